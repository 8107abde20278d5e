// LTI platform storage (1EdTech LTI Client Side postMessages, https://www.imsglobal.org/spec/lti-cs-oidc/v0p1):
// at login the state and nonce are put into the LMS's storage; at launch this browser must find the same
// state and nonce there before the launch goes on. Without a reply the user gets the new-window path.
(function () {
  var el = document.getElementById('lti-storage');
  if (!el) return;
  var data = el.dataset;
  var platform = window.parent !== window ? window.parent : window.opener;
  var TIMEOUT_MS = 5000;

  function messageId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return 'pdp-' + Array.prototype.map.call(bytes, function (b) { return b.toString(16); }).join('');
  }

  function send(target, origin, message) {
    return new Promise(function (resolve, reject) {
      message.message_id = messageId();
      var timer;
      function onMessage(event) {
        var reply = event.data;
        if (!reply || reply.message_id !== message.message_id || reply.subject !== message.subject + '.response') return;
        if (origin !== '*' && event.origin !== origin) return;
        window.removeEventListener('message', onMessage);
        clearTimeout(timer);
        if (reply.error) reject(reply.error); else resolve(reply);
      }
      window.addEventListener('message', onMessage);
      timer = setTimeout(function () {
        window.removeEventListener('message', onMessage);
        reject({ code: 'timeout' });
      }, TIMEOUT_MS);
      target.postMessage(message, origin);
    });
  }

  function frameNamed(name) {
    if (!name || name === '_parent') return platform;
    try {
      return platform.frames[name] || platform;
    } catch {
      return platform;
    }
  }

  // The frame that answers `subject`: as listed by lti.capabilities, else the login's lti_storage_target.
  function storageFrame(subject) {
    return send(platform, '*', { subject: 'lti.capabilities' }).then(function (caps) {
      var entry = (caps.supported_messages || []).filter(function (m) { return m.subject === subject; })[0];
      if (!entry) throw { code: 'unsupported' };
      return frameNamed(entry.frame || data.target);
    }, function () {
      return frameNamed(data.target);
    });
  }

  function put(key, value) {
    return storageFrame('lti.put_data').then(function (frame) {
      return send(frame, data.platformOrigin, { subject: 'lti.put_data', key: key, value: value });
    });
  }

  function get(key) {
    return storageFrame('lti.get_data').then(function (frame) {
      return send(frame, data.platformOrigin, { subject: 'lti.get_data', key: key });
    }).then(function (reply) { return reply.value; });
  }

  function fail() {
    el.parentNode.querySelector('.storage-waiting').hidden = true;
    el.parentNode.querySelector('.storage-failed').hidden = false;
  }

  if (!platform) return fail();
  var stateKey = 'lti_state_' + data.state;
  var nonceKey = 'lti_nonce_' + data.nonce;
  if (data.mode === 'login') {
    put(stateKey, data.state)
      .then(function () { return put(nonceKey, data.nonce); })
      .then(function () { window.location.replace(data.next); }, fail);
  } else {
    Promise.all([get(stateKey), get(nonceKey)]).then(function (values) {
      if (values[0] === data.state && values[1] === data.nonce) document.getElementById('storage-continue').submit();
      else fail();
    }, fail);
  }
})();
