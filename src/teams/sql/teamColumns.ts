/** Teams in the Prisma model's shape, so GraphQL treats statement rows like ORM rows. */
export const teamColumns = (t: string) => `
  ${t}.id, ${t}.owner_id AS "ownerId", ${t}.name, ${t}.size, ${t}.model, ${t}.mode, ${t}.system_prompt AS "systemPrompt",
  ${t}.status, ${t}.queue_id AS "queueId", ${t}.message_seq AS "messageSeq", ${t}.created_at AS "createdAt",
  ${t}.stopped_at AS "stoppedAt", ${t}.paused_at AS "pausedAt"`;
