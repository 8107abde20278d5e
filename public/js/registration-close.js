// LTI Dynamic Registration: tell the LMS the registration window can close.
(window.opener || window.parent).postMessage({ subject: 'org.imsglobal.lti.close' }, '*');
