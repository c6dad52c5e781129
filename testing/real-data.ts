import { fileURLToPath } from 'node:url';
import type { Catalogue, Dataset } from '../catalogue/types.js';
import { loadCatalogue, loadDataset } from '../datasets/instacart/load.js';

/** The bundled Instacart sample, for tests that check behaviour on real data. */
export const REAL_DATA_DIR = fileURLToPath(new URL('../data/instacart/', import.meta.url));

// Loading takes a second or two; a test file that asks twice gets the same objects.
let dataset: Promise<Dataset> | undefined;
let catalogue: Promise<Catalogue> | undefined;

/** The real dataset in the neutral model (through the Instacart adapter), loaded once per test file. */
export function realDataset(): Promise<Dataset> {
  return (dataset ??= loadDataset(REAL_DATA_DIR).then((r) => r.dataset));
}

/** The real catalogue only (products, categories, departments). */
export function realCatalogue(): Promise<Catalogue> {
  return (catalogue ??= dataset ? dataset.then((d) => d.catalogue) : loadCatalogue(REAL_DATA_DIR).then((r) => r.catalogue));
}
