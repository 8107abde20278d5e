import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type { SimCore } from './core';
import { contextRoles } from './directory';
import { paginate, sendPage, serviceError, serviceGuards } from './services';
import type { SimMembership, SimUser } from './types';
import { MediaType, Scope, shortRoleName } from './vocab';

export function nrpsRouter(core: SimCore): Router {
  const router = express.Router();
  const handler: RequestHandler = (req, res) => memberships(core, req, res);
  router.get(core.profile.paths.memberships, serviceGuards(core, [Scope.nrps]), handler);
  return router;
}

function memberships(core: SimCore, req: Request, res: Response): void {
  const course = core.directory.findCourse(String(req.params.courseId));
  if (!course) return serviceError(res, 404, 'Course not found');
  const role = typeof req.query.role === 'string' ? shortRoleName(req.query.role) : undefined;
  const members = core.directory
    .members(course)
    .filter(({ membership }) => role === undefined || membership.roles.some((r) => shortRoleName(r) === role));
  const page = paginate(core, req, members, core.nrpsPageSize);
  sendPage(res, page, MediaType.membershipContainer, {
    id: core.urls.base + req.url,
    context: { id: course.contextId ?? course.id, label: course.label, title: course.title },
    members: page.items.map(({ user, membership }) => presentMember(core, user, membership)),
  });
}

/** Moodle lists roles by short name ("Learner"); Canvas by full URI. */
function presentMember(core: SimCore, user: SimUser, membership: SimMembership): Record<string, unknown> {
  const roles = contextRoles(membership.roles);
  return {
    user_id: user.sub,
    status: 'Active',
    name: user.name,
    given_name: user.givenName,
    family_name: user.familyName,
    email: user.email,
    ...(user.sourcedId !== undefined && { lis_person_sourcedid: user.sourcedId }),
    roles: core.profile.nrpsRoles === 'short' ? roles.map(shortRoleName) : roles,
  };
}
