import { isoDate } from '../web/format';
import { NotificationDoc } from './model';

export function noticeView(n: NotificationDoc) {
  return {
    id: String(n._id),
    title: n.title,
    body: n.body,
    link: n.link,
    celebrate: n.celebrate,
    unread: !n.readAt,
    when: isoDate(n.createdAt),
  };
}
