/** Requests the content service answers (queue group `content`). */
export const ContentSubjects = {
  createType: 'content.type.create',
  updateType: 'content.type.update',
  getType: 'content.type.get',
  listTypes: 'content.type.list',
  createEntry: 'content.entry.create',
  updateEntry: 'content.entry.update',
  getEntry: 'content.entry.get',
  listEntries: 'content.entry.list',
  publishEntry: 'content.entry.publish',
  unscheduleEntry: 'content.entry.unschedule',
  unpublishEntry: 'content.entry.unpublish',
  rollbackEntry: 'content.entry.rollback',
  entryHistory: 'content.entry.history',
  previewEntry: 'content.entry.preview',
  /** The published entry of a type by slug, as one channel in one locale sees it. */
  deliverEntry: 'content.delivery.get',
  /** Published entries of a type, as one channel in one locale sees them. */
  deliverEntries: 'content.delivery.list',
} as const;

/** Durable events the content service publishes on its JetStream stream. */
export const ContentEvents = {
  entryPublished: 'content.entry.published',
  entryUnpublished: 'content.entry.unpublished',
} as const;

export const CONTENT_STREAM = 'CONTENT_EVENTS';
