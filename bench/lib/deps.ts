/**
 * bench/ is not a workspace package: it borrows the dependencies of the packages it measures,
 * so the floor runs the very same undici and sharp as the relay.
 */
import { createRequire } from 'node:module';
import type * as Undici from '../../packages/core/node_modules/undici/index.js';
import type Sharp from '../../packages/core/node_modules/sharp/lib/index.js';
import type Express from '../../packages/express/node_modules/@types/express/index.js';

const fromCore = createRequire(new URL('../../packages/core/package.json', import.meta.url));
const fromExpress = createRequire(new URL('../../packages/express/package.json', import.meta.url));

export const undici = fromCore('undici') as typeof Undici;
export const sharp = fromCore('sharp') as typeof Sharp;
export const express = fromExpress('express') as typeof Express;
