/**
 * The logistic function, shared by the keyword student, the local relevance model, their trainers
 * and the rerank client. Their weight formats, feature standardisation and fitting differ on
 * purpose (see each file), so only this is common.
 */
export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
