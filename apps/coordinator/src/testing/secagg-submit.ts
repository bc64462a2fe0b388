import type { SecAggRequest } from '@fedfuse/protocol';
import type { SecAggSite, SiteUpdate } from '@fedfuse/secagg';
import type { Ack, MaskedInput, SecAggFitReport } from '@fedfuse/protocol';
import { FlEvent, chunkTransfer } from '@fedfuse/protocol';
import type { TestSite } from './test-site.ts';

/**
 * Sends a site's answer to a stage as a real site does: a masked input's words first as `delta:chunk`s, then
 * the `secagg:submit` naming that transfer (with `fit`, its training report, when given); every other
 * stage's message inline. A refused chunk is returned.
 */
export async function submitSecAgg(
  site: TestSite,
  answer: { roundId: string; stage: string; message: unknown; fit?: SecAggFitReport },
): Promise<Ack<unknown>> {
  const { roundId, stage, message, fit } = answer;
  if (stage !== 'masked-input') return site.emit(FlEvent.secaggSubmit, { roundId, stage, message });
  const { masked, ...ids } = message as MaskedInput;
  const transfer = await chunkTransfer(masked, { chunkDigests: false });
  for (const chunk of transfer.chunks()) {
    const receipt = await site.emit(FlEvent.deltaChunk, chunk);
    if (!receipt.ok) return receipt;
  }
  const named = { ...ids, transfer: transfer.ref, ...(fit ? { fit } : {}) };
  return site.emit(FlEvent.secaggSubmit, { roundId, stage, message: named });
}

/** A test site's answer to one `secagg:request`: the stage's message from its protocol peer. */
export async function answerSecAggRequest(
  peer: SecAggSite,
  envelope: SecAggRequest,
  own: SiteUpdate,
): Promise<unknown> {
  switch (envelope.stage) {
    case 'share-keys':
      return peer.shareKeys(envelope.message);
    case 'masked-input':
      return peer.maskInput(envelope.message, own);
    case 'consistency':
      return peer.signSurvivors(envelope.message);
    case 'unmask':
      return peer.unmask(envelope.message);
  }
}
