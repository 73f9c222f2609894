import { cancelledError, RelayError } from '../contract/errors.js';
import type { EmitRelayEvent } from '../events/relay-events.js';
import type { FinalImage } from '../images/normalize-image.js';
import { artifactKey, newArtifactId } from '../storage/artifact-key.js';
import type { PutResult, Storage } from '../storage/storage.js';

/** An image to archive, with who made it. */
export interface ImageToArchive {
  image: FinalImage;
  carrierId: string;
}

/** Settings of {@link archiveImages}. */
export interface ArchiveContext {
  storage: Storage;
  requestId: string;
  /** Who asked, carried into the `image.archived` events. */
  principal?: string;
  prefix: string;
  signal: AbortSignal;
  emit: EmitRelayEvent;
}

/**
 * Stores all images of one request and returns their URLs in order. All or nothing: if one write
 * fails, or the request is cancelled, every write is let finish and the ones that succeeded are
 * removed, so no URL is ever returned for a missing file and no orphan is left behind. The
 * `image.archived` events are sent only once all images are stored.
 */
export async function archiveImages(images: ImageToArchive[], context: ArchiveContext): Promise<string[]> {
  const date = new Date();
  const id = newArtifactId(date);
  const keys = images.map(({ image }, i) => artifactKey({ date, id, index: i + 1, ext: image.format, prefix: context.prefix }));
  // Settled, not Promise.all: a write still in flight when another fails would finish after the
  // clean-up and leave its file behind.
  const results = await Promise.allSettled(
    images.map(({ image, carrierId }, i) =>
      context.storage.put(keys[i]!, image.bytes, {
        contentType: image.contentType,
        // artifactId: the id all images of this one archive share (the request id may be the caller's, reused).
        metadata: { requestId: context.requestId, carrierId, artifactId: id },
        signal: context.signal,
      }),
    ),
  );
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  // A request cancelled while its last write landed gets no URL either: its files go too.
  if (failure !== undefined || context.signal.aborted) {
    await Promise.allSettled(keys.filter((_, i) => results[i]!.status === 'fulfilled').map((key) => context.storage.delete?.(key)));
    const cause: unknown = failure === undefined ? context.signal.reason : failure.reason;
    if (context.signal.aborted) throw cancelledError(cause);
    throw new RelayError(502, 'The generated image could not be stored. Retry later.', { code: 'storage_error', cause });
  }
  return results.map((result, i) => {
    const { url, bytes } = (result as PromiseFulfilledResult<PutResult>).value;
    const { image, carrierId } = images[i]!;
    context.emit({
      type: 'image.archived',
      requestId: context.requestId,
      ...(context.principal === undefined ? {} : { principal: context.principal }),
      key: keys[i]!,
      bytes,
      format: image.format,
      width: image.width,
      height: image.height,
      transcoded: image.transcoded,
      carrierId,
    });
    return url;
  });
}
