// Event-name strings live here and nowhere else: "topic:verb", past tense for broadcasts.

/** socket.io namespaces: sites connect to `/fl`, dashboards to `/ops`. */
export const Namespace = { fl: '/fl', ops: '/ops' } as const;

/**
 * HTTP routes a site calls outside its socket (POST, JSON body; the answer is an Ack, with a 4xx status
 * when refused): enrollment, since a new site has no id to authenticate with yet, and the challenge it
 * signs and passes as the `/fl` socket's `auth`, so no socket is connected before it is authenticated.
 */
export const FlRoute = {
  /** EnrollmentRequest → EnrollmentResult */
  enroll: '/fl/enroll',
  /** ChallengeRequest → Challenge */
  challenge: '/fl/challenge',
} as const;
export type FlRouteName = (typeof FlRoute)[keyof typeof FlRoute];

/** Events on the site namespace `/fl`. */
export const FlEvent = {
  /** site → coordinator, ack SiteSync */
  statusResync: 'status:resync',
  /** site → coordinator once connected, ack without data */
  siteReport: 'site:report',
  /** coordinator → site, once connected (the round-state sync of every connect and reconnect) and on changes */
  statusSynced: 'status:synced',
  /** site → coordinator, ack TransferRef; the coordinator then emits weights:chunk from `fromIndex` */
  weightsFetch: 'weights:fetch',
  /** coordinator → site, ack ChunkReceipt */
  weightsChunk: 'weights:chunk',
  /** site → coordinator, ack ChunkReceipt */
  deltaChunk: 'delta:chunk',
  /** coordinator → site (FitIns), ack without data */
  roundStart: 'round:start',
  /** site → coordinator (FitRes), ack SubmitReceipt */
  roundSubmit: 'round:submit',
  /** site → coordinator (RoundFailure): this site cannot finish the round, and why; ack without data */
  roundFailed: 'round:failed',
  /** coordinator → site broadcast */
  roundCancelled: 'round:cancelled',
  /** coordinator → site (EvaluateIns), ack without data */
  evaluateStart: 'evaluate:start',
  /** site → coordinator (EvaluateRes), ack SubmitReceipt */
  evaluateSubmit: 'evaluate:submit',
  /** site → coordinator (SecAggSubmission): its answer to a secure-aggregation stage, ack without data */
  secaggSubmit: 'secagg:submit',
  /** coordinator → site (SecAggRequest): a closed stage's output, the input to the site's next stage */
  secaggRequest: 'secagg:request',
} as const;
export type FlEventName = (typeof FlEvent)[keyof typeof FlEvent];

/** Events on the dashboard namespace `/ops`. */
export const OpsEvent = {
  /** dashboard → coordinator, ack FederationSnapshot */
  federationSnapshot: 'federation:snapshot',
  /** coordinator → dashboards: a full snapshot, e.g. after a reconnect */
  federationSynced: 'federation:synced',
  /** coordinator → dashboards: a site's status or connection changed */
  siteUpdated: 'site:updated',
  /** coordinator → dashboards: a run was created, changed state or committed a round */
  runUpdated: 'run:updated',
  /** coordinator → dashboards */
  roundProgressed: 'round:progressed',
  /** coordinator → dashboards */
  metricsRecorded: 'metrics:recorded',
  /** coordinator → dashboards */
  auditAppended: 'audit:appended',
  /** dashboard → coordinator, ack AuditPage */
  auditList: 'audit:list',
} as const;
export type OpsEventName = (typeof OpsEvent)[keyof typeof OpsEvent];
