import { NotificationDoc } from './model';

export function noticeView(n: NotificationDoc) {
  return {
    id: String(n._id),
    title: n.title,
    body: n.body,
    link: n.link,
    celebrate: n.celebrate,
    unread: !n.readAt,
    when: n.createdAt.toISOString().slice(0, 10),
  };
}
