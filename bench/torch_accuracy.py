"""The PyTorch reference (../../shared/reference/torch_seed_cnn.py) on digit-sweep's own split.

The reference script builds its own Kaggle-like split (numpy seed 0) and fixes the schedule to
ExponentialLR(0.95). `npm run bench:accuracy` needs PyTorch on the very images digit-sweep trains and
validates on, and the schedule digit-sweep computes (study/lr-schedule.ts), so this wrapper imports the
reference's model (`Seed`) and augmentation (`augment`) unchanged and runs the reference's training loop
(Adam, batch 64, per-epoch LR, cross-entropy, eval in batches of 1000) on:

  DIR/train-images.u8 (n x 784 bytes), DIR/train-labels.u8, DIR/val-images.u8, DIR/val-labels.u8

written by src/bench/accuracy.ts. The learning rate of each epoch comes from --lrs (comma list, one per
epoch), so both engines follow one formula. Prints JSON lines like the reference: a header, then one
line per epoch with val_acc.

Usage: /usr/bin/python3 bench/torch_accuracy.py REFERENCE_PY DIR --lrs 0.001,0.00095,... [--threads N]
       [--batch N] [--seed N] [--no-augment]
"""
import argparse, importlib.util, json, os, time
import numpy as np, torch, torch.nn.functional as F


def load_reference(path):
    spec = importlib.util.spec_from_file_location('torch_seed_cnn', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # defines Seed, augment; main() only runs under __main__
    return mod


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('reference'); ap.add_argument('dir')
    ap.add_argument('--lrs', required=True); ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--batch', type=int, default=64); ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--dropout', type=float, default=0.4)
    ap.add_argument('--no-augment', action='store_true')
    a = ap.parse_args()
    ref = load_reference(a.reference)
    torch.manual_seed(a.seed); torch.set_num_threads(a.threads)

    def images(name):
        raw = np.fromfile(os.path.join(a.dir, name), dtype=np.uint8)
        return torch.tensor(raw.reshape(-1, 1, 28, 28), dtype=torch.float32) / 255.0

    def labels(name):
        return torch.tensor(np.fromfile(os.path.join(a.dir, name), dtype=np.uint8).astype(np.int64))

    Xtr, Ytr = images('train-images.u8'), labels('train-labels.u8')
    Xva, Yva = images('val-images.u8'), labels('val-labels.u8')
    lrs = [float(x) for x in a.lrs.split(',')]
    m = ref.Seed(a.dropout); opt = torch.optim.Adam(m.parameters(), lr=lrs[0])
    print(json.dumps({'params': sum(p.numel() for p in m.parameters()), 'threads': a.threads, 'torch': torch.__version__,
                      'n_train': len(Xtr), 'n_val': len(Xva), 'seed': a.seed, 'reference': a.reference}), flush=True)

    def evaluate():
        m.eval(); correct = 0; loss = 0.0
        with torch.no_grad():
            for i in range(0, len(Xva), 1000):
                out = m(Xva[i:i + 1000])
                loss += F.cross_entropy(out, Yva[i:i + 1000], reduction='sum').item()
                correct += (out.argmax(1) == Yva[i:i + 1000]).sum().item()
        return correct / len(Xva), loss / len(Xva)

    for ep, lr in enumerate(lrs):
        for g in opt.param_groups: g['lr'] = lr
        m.train(); perm = torch.randperm(len(Xtr)); t0 = time.time(); loss_sum = 0.0; correct = 0
        for i in range(0, len(Xtr), a.batch):
            b = perm[i:i + a.batch]; xb = Xtr[b]
            if not a.no_augment: xb = ref.augment(xb)
            out = m(xb); loss = F.cross_entropy(out, Ytr[b])
            opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
            loss_sum += loss.item() * len(b); correct += (out.argmax(1) == Ytr[b]).sum().item()
        dt = time.time() - t0
        va, vl = evaluate()
        print(json.dumps({'epoch': ep + 1, 'lr': lr, 'train_loss': round(loss_sum / len(Xtr), 5), 'train_acc': round(correct / len(Xtr), 5),
                          'val_acc': round(va, 5), 'val_loss': round(vl, 5), 'epoch_s': round(dt, 2)}), flush=True)


if __name__ == '__main__':
    main()
