#!/usr/bin/env node
// Draws the app icon and one tray icon per tunnel state as PNG files under build/ (committed; rerun after a design
// change: `node scripts/make-icons.mjs`). No image library: shapes are signed distances, antialiased by
// supersampling, and PNG is zlib + CRC32 from Node itself.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
/** RGBA pixels (Uint8Array, row-major) → PNG bytes. */
export function encodePng(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const hex = (h) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];

/** Renders layers (each: inside(x, y) in unit coordinates 0..1, colour) with 4×4 supersampling. */
function render(size, layers) {
  const out = new Uint8Array(size * size * 4);
  const S = 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0,
        g = 0,
        b = 0,
        a = 0;
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const u = (x + (sx + 0.5) / S) / size;
          const v = (y + (sy + 0.5) / S) / size;
          // Painter's order: the last layer containing the point wins.
          let colour = null;
          for (const layer of layers) if (layer.inside(u, v)) colour = layer.colour;
          if (colour) {
            r += colour[0];
            g += colour[1];
            b += colour[2];
            a += 1;
          }
        }
      }
      const i = (y * size + x) * 4;
      const n = S * S;
      out[i] = a ? Math.round(r / a) : 0;
      out[i + 1] = a ? Math.round(g / a) : 0;
      out[i + 2] = a ? Math.round(b / a) : 0;
      out[i + 3] = Math.round((a / n) * 255);
    }
  }
  return out;
}

const circle = (cx, cy, rad) => (u, v) => (u - cx) ** 2 + (v - cy) ** 2 <= rad * rad;
const ring = (cx, cy, r0, r1) => (u, v) => {
  const d = (u - cx) ** 2 + (v - cy) ** 2;
  return d <= r1 * r1 && d >= r0 * r0;
};
const roundedSquare = (m, rad) => (u, v) => {
  const qx = Math.max(Math.abs(u - 0.5) - (0.5 - m - rad), 0);
  const qy = Math.max(Math.abs(v - 0.5) - (0.5 - m - rad), 0);
  return qx * qx + qy * qy <= rad * rad;
};
/** A speech-bubble tail: triangle at the lower left of the ring. */
const tail = (u, v) => v >= 0.62 && v <= 0.8 && u >= 0.22 && u <= 0.4 && u - 0.22 <= (0.8 - v) * 1.2;

export const TRAY_STATES = {
  stopped: '#8a8f98',
  starting: '#f2a516',
  online: '#25d366',
  error: '#e5484d',
};

function trayIcon(size, colour) {
  const white = hex('#ffffff');
  return render(size, [
    { inside: circle(0.5, 0.5, 0.47), colour: hex(colour) },
    { inside: ring(0.5, 0.5, 0.2, 0.3), colour: white },
    { inside: circle(0.5, 0.5, 0.1), colour: white },
  ]);
}

function appIcon(size) {
  const green = hex('#128c4a');
  const white = hex('#ffffff');
  return render(size, [
    { inside: roundedSquare(0.04, 0.18), colour: green },
    { inside: ring(0.5, 0.47, 0.22, 0.3), colour: white },
    { inside: tail, colour: white },
    { inside: circle(0.5, 0.47, 0.22), colour: green },
    { inside: circle(0.5, 0.47, 0.09), colour: hex('#25d366') },
  ]);
}

function write(file, size, pixels) {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, encodePng(size, size, pixels));
  console.log(`wrote ${file} (${size}×${size})`);
}

const root = path.resolve(import.meta.dirname, '..', 'build');
write(path.join(root, 'icon.png'), 512, appIcon(512));
for (const size of [16, 32, 48, 64, 128, 256])
  write(path.join(root, 'icons', `${size}x${size}.png`), size, appIcon(size));
for (const [state, colour] of Object.entries(TRAY_STATES)) {
  write(path.join(root, 'tray', `tray-${state}.png`), 16, trayIcon(16, colour));
  write(path.join(root, 'tray', `tray-${state}@2x.png`), 32, trayIcon(32, colour));
}
