/**
 * The logistic function and one way to fit it, shared by the keyword student, the local relevance
 * model, the deferral score, their trainers and the rerank client. Their weight formats differ on
 * purpose (see each file); the fit does not.
 */
export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

export interface LogisticFit {
  readonly mean: number[];
  readonly std: number[];
  readonly weights: number[];
  readonly bias: number;
}

/** L2-regularised logistic regression by full-batch gradient descent on standardised features. */
export function fitLogistic(X: readonly (readonly number[])[], y: readonly number[], { l2 = 1e-3, epochs = 3000, learningRate = 0.5 } = {}): LogisticFit {
  if (X.length === 0) throw new Error('fitLogistic: no training rows');
  const d = X[0].length;
  const mean = Array.from({ length: d }, (_, j) => X.reduce((s, r) => s + r[j], 0) / X.length);
  // A constant column's spread comes out as rounding noise (1e-15 for a column of 0.9s), not 0; dividing
  // by it would blow any other value up at scoring time, so anything that small counts as constant.
  const std = Array.from({ length: d }, (_, j) => {
    const sd = Math.sqrt(X.reduce((s, r) => s + (r[j] - mean[j]) ** 2, 0) / X.length);
    return sd > 1e-9 * Math.max(1, Math.abs(mean[j])) ? sd : 1;
  });
  const Z = X.map((r) => r.map((v, j) => (v - mean[j]) / std[j]));
  const w = new Array<number>(d).fill(0);
  let b = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const gw = new Array<number>(d).fill(0);
    let gb = 0;
    for (let i = 0; i < Z.length; i++) {
      let z = b;
      for (let j = 0; j < d; j++) z += w[j] * Z[i][j];
      const err = sigmoid(z) - y[i];
      for (let j = 0; j < d; j++) gw[j] += err * Z[i][j];
      gb += err;
    }
    for (let j = 0; j < d; j++) w[j] -= learningRate * (gw[j] / Z.length + l2 * w[j]);
    b -= (learningRate * gb) / Z.length;
  }
  return { mean, std, weights: w, bias: b };
}
