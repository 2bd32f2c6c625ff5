/**
 * Units shared by the sizing engine. GiB is binary (2^30 bytes) everywhere in this kit; GB is decimal
 * (10^9 bytes) and appears only where a source states it (vendor bandwidths, the course's rule of thumb).
 */

export const BYTES_PER_MIB = 2 ** 20;
export const BYTES_PER_GIB = 2 ** 30;
export const BYTES_PER_GB = 1e9;
export const SECONDS_PER_HOUR = 3600;
export const TERA = 1e12;

export function bytesToGiB(bytes: number): number {
  return bytes / BYTES_PER_GIB;
}
