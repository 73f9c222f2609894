import { RelayError } from '../contract/errors.js';
import type { RelayEventListener } from '../events/relay-events.js';
import type { FinalImage } from '../images/normalize-image.js';
import { artifactKey, newArtifactId } from '../storage/artifact-key.js';
import type { Storage } from '../storage/storage.js';

/** An image to archive, with who made it. */
export interface ImageToArchive {
  image: FinalImage;
  carrierId: string;
}

/** Settings of {@link archiveImages}. */
export interface ArchiveContext {
  storage: Storage;
  requestId: string;
  prefix: string;
  signal: AbortSignal;
  emit: RelayEventListener;
}

/**
 * Stores all images of one request and returns their URLs in order. All or nothing: if one write
 * fails, the ones already written are removed, so no URL is ever returned for a missing file and no
 * orphan is left behind.
 */
export async function archiveImages(images: ImageToArchive[], context: ArchiveContext): Promise<string[]> {
  const date = new Date();
  const id = newArtifactId(date);
  const stored: string[] = [];
  try {
    return await Promise.all(
      images.map(async ({ image, carrierId }, i) => {
        const key = artifactKey({ date, id, index: i + 1, ext: image.format, prefix: context.prefix });
        const result = await context.storage.put(key, image.bytes, {
          contentType: image.contentType,
          metadata: { requestId: context.requestId, carrierId },
          signal: context.signal,
        });
        stored.push(key);
        context.emit({
          type: 'image.archived',
          requestId: context.requestId,
          key,
          bytes: result.bytes,
          format: image.format,
          width: image.width,
          height: image.height,
          transcoded: image.transcoded,
          carrierId,
        });
        return result.url;
      }),
    );
  } catch (cause) {
    await Promise.allSettled(stored.map((key) => context.storage.delete?.(key)));
    if (context.signal.aborted) throw new RelayError(499, 'The request was cancelled.', { code: 'request_cancelled', cause });
    throw new RelayError(502, 'The generated image could not be stored. Retry later.', { code: 'storage_error', cause });
  }
}
