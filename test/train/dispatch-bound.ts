/** Issue 10's bound on the kernel dispatches of one training step (wasm at batch 64, webgpu on SwiftShader). */
export const MAX_STEP_DISPATCHES = 260;
