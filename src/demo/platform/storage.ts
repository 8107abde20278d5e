import express, { type Router } from 'express';
import type { SimCore } from './core';
import { escapeHtml, sendPage } from './html';
import type { LaunchSpec } from './types';
import { STORAGE_FRAME } from './vocab';

/**
 * LTI platform storage as Canvas offers it (1EdTech LTI Client Side postMessages): the course page
 * answers `lti.capabilities` and names a hidden frame on the platform's origin that keeps the tool's
 * `lti.put_data` values and answers `lti.get_data`. Only the registered tool's origin is answered,
 * and each origin sees only its own keys.
 */

const PARENT_JS = `(function () {
  var tool = document.currentScript.dataset.toolOrigin;
  var frame = document.currentScript.dataset.frame;
  window.addEventListener('message', function (event) {
    var m = event.data;
    if (event.origin !== tool || !m || m.subject !== 'lti.capabilities') return;
    event.source.postMessage({
      subject: 'lti.capabilities.response',
      message_id: m.message_id,
      supported_messages: [
        { subject: 'lti.capabilities' },
        { subject: 'lti.put_data', frame: frame },
        { subject: 'lti.get_data', frame: frame }
      ]
    }, event.origin);
  });
})();
`;

const FRAME_JS = `(function () {
  var tool = document.currentScript.dataset.toolOrigin;
  var store = {};
  window.addEventListener('message', function (event) {
    var m = event.data;
    if (!m || (m.subject !== 'lti.put_data' && m.subject !== 'lti.get_data')) return;
    var reply = { subject: m.subject + '.response', message_id: m.message_id, key: m.key };
    if (event.origin !== tool) {
      reply.error = { code: 'unauthorized', message: 'origin not allowed' };
    } else if (typeof m.key !== 'string' || !m.key) {
      reply.error = { code: 'bad_request', message: 'key is required' };
    } else if (m.subject === 'lti.put_data') {
      store[event.origin + ' ' + m.key] = m.value;
      reply.value = m.value;
    } else {
      reply.value = store[event.origin + ' ' + m.key];
    }
    event.source.postMessage(reply, event.origin);
  });
})();
`;

function toolOrigin(core: SimCore): string {
  return new URL(core.tool.launchUrl).origin;
}

/** What a platform page embeds to offer storage to the tool frame; undefined for Moodle, which has none. */
export interface PlatformStorage {
  frameName: string;
  frameUrl: string;
  scriptUrl: string;
  toolOrigin: string;
}

export function platformStorage(core: SimCore): PlatformStorage | undefined {
  if (core.profile.loginExtras.lti_storage_target !== STORAGE_FRAME) return undefined;
  return {
    frameName: STORAGE_FRAME,
    frameUrl: `${core.urls.base}/lti/${STORAGE_FRAME}`,
    scriptUrl: `${core.urls.base}/lti/platform-messages.js`,
    toolOrigin: toolOrigin(core),
  };
}

function storageMarkup(core: SimCore): string {
  const s = platformStorage(core);
  if (!s) return '';
  return (
    `<iframe name="${escapeHtml(s.frameName)}" src="${escapeHtml(s.frameUrl)}" title="Platform storage" hidden></iframe>` +
    `<script src="${escapeHtml(s.scriptUrl)}" data-tool-origin="${escapeHtml(s.toolOrigin)}" data-frame="${escapeHtml(s.frameName)}"></script>`
  );
}

export function storageRouter(core: SimCore, loginUrl: (spec: LaunchSpec) => string): Router {
  const router = express.Router();
  const js = (body: string) => (_req: express.Request, res: express.Response) => {
    res.type('application/javascript').set('Cache-Control', 'no-cache').send(body);
  };
  router.get('/lti/platform-messages.js', js(PARENT_JS));
  router.get('/lti/platform-storage.js', js(FRAME_JS));
  router.get(`/lti/${STORAGE_FRAME}`, (_req, res) => {
    const origin = escapeHtml(toolOrigin(core));
    sendPage(res, 200, 'Platform storage', `<script src="${escapeHtml(core.urls.base)}/lti/platform-storage.js" data-tool-origin="${origin}"></script>`);
  });
  // A course page framing the tool, as the LMS shows it: `?user=<sub>` launches that user.
  router.get('/courses/:courseId/tool', (req, res) => {
    const user = typeof req.query.user === 'string' ? req.query.user : '';
    const course = core.directory.findCourse(String(req.params.courseId));
    if (!course || !core.directory.users().some((u) => u.sub === user)) return sendPage(res, 404, 'Not found', '<h1>No such course or user</h1>');
    const src = loginUrl({ user, course: course.id, resourceLink: { id: `course-page-${course.id}`, title: 'PD Pathways' } });
    sendPage(
      res,
      200,
      course.title,
      `<h1>${escapeHtml(course.title)}</h1><iframe class="lms-frame" src="${escapeHtml(src)}" title="PD Pathways tool" width="1000" height="700"></iframe>` +
        storageMarkup(core),
    );
  });
  return router;
}
