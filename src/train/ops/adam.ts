/**
 * Adam as one kernel for all trainable variables per step (TF.js's Adam dispatches 14 kernels per
 * variable). Same arithmetic and bias correction as tf.train.adam:
 *   m' = beta1 m + (1 - beta1) g,  v' = beta2 v + (1 - beta2) g^2,
 *   p' = p - lr * (m' / (1 - beta1^t)) / (sqrt(v' / (1 - beta2^t)) + epsilon),
 * with beta^t accumulated in float32 as TF.js does (starts at beta, times beta after each step).
 * FusedAdamOptimizer is a tf.AdamOptimizer: same slots (`<var>/m`, `<var>/v`), getWeights/setWeights
 * (iterations, then first moments, then second moments), class name 'Adam'. Where the current backend
 * lacks the kernel it runs TF.js's own applyGradients.
 */
import * as tf from '@tensorflow/tfjs';
import { simdFor } from '../wasm-simd/index.js';
import { withArrays, type CpuSideBackend, type KernelArgs } from './memory.js';

export const ADAM_UPDATE = 'AdamUpdate';

/**
 * Inputs p0..p{n-1}, g0.., m0.., v0..; attrs count, lr, beta1, beta2, epsilon, oneMinusAccBeta1,
 * oneMinusAccBeta2. Outputs the n new parameters, then the n first moments, then the n second moments.
 */
function adamKernel(backendName: CpuSideBackend): tf.KernelConfig {
  const kernelFunc = ({ inputs, backend, attrs = {} }: KernelArgs): tf.TensorInfo[] => {
    const n = attrs['count'] as number;
    const ins: tf.TensorInfo[] = [];
    for (const prefix of ['p', 'g', 'm', 'v']) {
      for (let i = 0; i < n; i++) {
        const t = inputs[`${prefix}${i}`];
        if (t === undefined) throw new Error(`${ADAM_UPDATE}: input ${prefix}${i} is required (count ${n})`);
        ins.push(t);
      }
    }
    const shapes = ins.slice(0, n).map((t) => t.shape);
    const mem = withArrays(backendName, backend, ins, [...shapes, ...shapes, ...shapes]);
    const lr = attrs['lr'] as number;
    const beta1 = attrs['beta1'] as number;
    const beta2 = attrs['beta2'] as number;
    const epsilon = attrs['epsilon'] as number;
    const c1 = 1 - beta1;
    const c2 = 1 - beta2;
    // Bias corrections as multiplications by 1 / (1 - beta^t): the same values to within an ulp.
    const inv1 = 1 / (attrs['oneMinusAccBeta1'] as number);
    const inv2 = 1 / (attrs['oneMinusAccBeta2'] as number);
    const simd = backendName === 'wasm' ? simdFor(backend) : null;
    if (simd !== null) {
      // WASM SIMD (../wasm-simd/kernels.wat), in float32, in place on the heap: one call per variable.
      for (let i = 0; i < n; i++) {
        const [p, g, m, v] = [ins[i]!, ins[n + i]!, ins[2 * n + i]!, ins[3 * n + i]!].map((t) => simd.ptr(t)) as [number, number, number, number];
        const [pOut, mOut, vOut] = [mem.infos[i]!, mem.infos[n + i]!, mem.infos[2 * n + i]!].map((t) => simd.ptr(t)) as [number, number, number];
        simd.kernels.adam(p, g, m, v, pOut, mOut, vOut, tf.util.sizeFromShape(shapes[i]!), lr, beta1, beta2, c1, c2, inv1, inv2, epsilon);
      }
      return mem.infos;
    }
    for (let i = 0; i < n; i++) {
      const p = mem.inputs[i]!;
      const g = mem.inputs[n + i]!;
      const m = mem.inputs[2 * n + i]!;
      const v = mem.inputs[3 * n + i]!;
      const pOut = mem.outputs[i]!;
      const mOut = mem.outputs[n + i]!;
      const vOut = mem.outputs[2 * n + i]!;
      for (let k = 0; k < p.length; k++) {
        const gk = g[k]!;
        const mk = beta1 * m[k]! + c1 * gk;
        const vk = beta2 * v[k]! + c2 * gk * gk;
        mOut[k] = mk;
        vOut[k] = vk;
        pOut[k] = p[k]! - (lr * mk * inv1) / (Math.sqrt(vk * inv2) + epsilon);
      }
    }
    return mem.infos;
  };
  return { kernelName: ADAM_UPDATE, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}

export function adamKernelConfigs(backendName: CpuSideBackend): tf.KernelConfig[] {
  return [adamKernel(backendName)];
}

/** tf.NamedTensor (not re-exported by @tensorflow/tfjs). */
type NamedTensor = Parameters<tf.AdamOptimizer['setWeights']>[0][number];
type VariableGradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

interface Slot {
  originalName: string;
  variable: tf.Variable;
}
/** tf.AdamOptimizer's private state, read by the fused step. */
interface AdamInternals {
  accumulatedFirstMoment: Slot[];
  accumulatedSecondMoment: Slot[];
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  iterations_: number;
  incrementIterations(): void;
}

export class FusedAdamOptimizer extends tf.AdamOptimizer {
  /** beta1^t and beta2^t in float32, as TF.js's accBeta1/accBeta2 variables hold them (kept on the JS side: no readback). */
  private acc1: number;
  private acc2: number;

  constructor(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon: number | null = null) {
    super(learningRate, beta1, beta2, epsilon as number);
    this.acc1 = Math.fround(beta1);
    this.acc2 = Math.fround(beta2);
  }

  override applyGradients(variableGradients: VariableGradients): void {
    const self = this as unknown as AdamInternals;
    if (tf.getKernel(ADAM_UPDATE, tf.getBackend()) === undefined) {
      // TF.js's own step reads its accBeta variables: bring them to ours first.
      tf.tidy(() => {
        self.accBeta1.assign(tf.scalar(this.acc1));
        self.accBeta2.assign(tf.scalar(this.acc2));
      });
      super.applyGradients(variableGradients);
      this.advance();
      return;
    }
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    tf.tidy(() => {
      const inputs: tf.NamedTensorMap = {};
      const targets: Array<{ value: tf.Variable; m: tf.Variable; v: tf.Variable }> = [];
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name];
        if (value === undefined) throw new Error(`FusedAdamOptimizer: no variable named ${name}`);
        self.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        self.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        const gradient = Array.isArray(variableGradients) ? variableGradients[i]!.tensor : (variableGradients[name] as tf.Tensor | undefined);
        if (gradient == null) return; // as TF.js: a variable without a gradient keeps its value and moments
        const k = targets.length;
        const m = self.accumulatedFirstMoment[i]!.variable;
        const v = self.accumulatedSecondMoment[i]!.variable;
        inputs[`p${k}`] = value;
        inputs[`g${k}`] = gradient;
        inputs[`m${k}`] = m;
        inputs[`v${k}`] = v;
        targets.push({ value, m, v });
      });
      const n = targets.length;
      if (n > 0) {
        const out = tf.engine().runKernel(ADAM_UPDATE, inputs, {
          count: n,
          lr: this.learningRate,
          beta1: this.beta1,
          beta2: this.beta2,
          epsilon: this.epsilon,
          oneMinusAccBeta1: Math.fround(1 - this.acc1),
          oneMinusAccBeta2: Math.fround(1 - this.acc2),
        }) as tf.Tensor[];
        targets.forEach((t, k) => {
          t.value.assign(out[k]!);
          t.m.assign(out[n + k]!);
          t.v.assign(out[2 * n + k]!);
        });
      }
    });
    this.advance();
    self.incrementIterations();
  }

  private advance(): void {
    this.acc1 = Math.fround(this.acc1 * Math.fround(this.beta1));
    this.acc2 = Math.fround(this.acc2 * Math.fround(this.beta2));
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    await super.setWeights(weightValues);
    const t = (this as unknown as AdamInternals).iterations_;
    this.acc1 = Math.fround(Math.fround(this.beta1) ** (t + 1));
    this.acc2 = Math.fround(Math.fround(this.beta2) ** (t + 1));
  }
}
