;; WASM SIMD128 passes over the TF.js wasm backend's own heap (the module imports that memory, so the
;; kernels read and write tensors in place: no copy between JS and the heap). Assembled by
;; scripts/build-simd.mjs into src/train/wasm-simd/kernels-wasm.ts, twice: with this import as written and with
;; the memory `shared` (the threaded wasm build's heap is a SharedArrayBuffer).
;;
;; Pointers are byte offsets into the heap. Per-channel kernels see a tensor as [rows, c] (channels last)
;; with c a multiple of 4 and n = rows * c elements; per-channel vectors are f32[c] coefficients or f64[c]
;; accumulators (sums accumulate in float64, as the JS reference does). The JS side checks alignment of
;; shapes before calling; every loop walks the tensor once, four channels per instruction, with `j`
;; cycling over the channel vector.
(module
  (import "env" "memory" (memory 1))

  ;; f64 lanes of the low and high halves of an f32x4.
  (func $lo (param $v v128) (result v128)
    (f64x2.promote_low_f32x4 (local.get $v)))
  (func $hi (param $v v128) (result v128)
    (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))

  ;; acc[k] += lanes of v (f64[c] at acc, j = byte offset of the f32 lane group)
  (func $accumulate (param $acc i32) (param $v v128)
    (v128.store (local.get $acc) (f64x2.add (v128.load (local.get $acc)) (call $lo (local.get $v))))
    (v128.store offset=16 (local.get $acc) (f64x2.add (v128.load offset=16 (local.get $acc)) (call $hi (local.get $v)))))

  (func $zero (param $p i32) (param $bytes i32)
    (memory.fill (local.get $p) (i32.const 0) (local.get $bytes)))

  ;; ReLU + bias gradient: out = y > 0 ? dy : 0, acc[k] = sum of out over the rows (f64[c]).
  (func (export "reluBiasGrad") (param $out i32) (param $dy i32) (param $y i32) (param $n i32) (param $c i32) (param $acc i32)
    (local $i i32) (local $end i32) (local $j i32) (local $cb i32) (local $v v128)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (call $zero (local.get $acc) (i32.shl (local.get $c) (i32.const 3)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (if (i32.eqz (local.get $end)) (then (return)))
    (loop $rows
      (local.set $v (v128.and
        (v128.load (i32.add (local.get $dy) (local.get $i)))
        (f32x4.gt (v128.load (i32.add (local.get $y) (local.get $i))) (v128.const f32x4 0 0 0 0))))
      (v128.store (i32.add (local.get $out) (local.get $i)) (local.get $v))
      (call $accumulate (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 1))) (local.get $v))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (if (i32.eq (local.get $j) (local.get $cb)) (then (local.set $j (i32.const 0))))
      (br_if $rows (i32.lt_u (local.get $i) (local.get $end)))))

  ;; BatchNorm statistics: acc[0..c) = sum x, acc[c..2c) = sum x*x (f64, products in f64).
  (func (export "moments") (param $x i32) (param $n i32) (param $c i32) (param $acc i32)
    (local $i i32) (local $end i32) (local $j i32) (local $cb i32) (local $a i32) (local $q i32)
    (local $v v128) (local $l v128) (local $h v128)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (call $zero (local.get $acc) (i32.shl (local.get $c) (i32.const 4)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (if (i32.eqz (local.get $end)) (then (return)))
    (loop $rows
      (local.set $v (v128.load (i32.add (local.get $x) (local.get $i))))
      (local.set $l (call $lo (local.get $v)))
      (local.set $h (call $hi (local.get $v)))
      (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 1))))
      (local.set $q (i32.add (local.get $a) (i32.shl (local.get $cb) (i32.const 1))))
      (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $l)))
      (v128.store offset=16 (local.get $a) (f64x2.add (v128.load offset=16 (local.get $a)) (local.get $h)))
      (v128.store (local.get $q) (f64x2.add (v128.load (local.get $q)) (f64x2.mul (local.get $l) (local.get $l))))
      (v128.store offset=16 (local.get $q) (f64x2.add (v128.load offset=16 (local.get $q)) (f64x2.mul (local.get $h) (local.get $h))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (if (i32.eq (local.get $j) (local.get $cb)) (then (local.set $j (i32.const 0))))
      (br_if $rows (i32.lt_u (local.get $i) (local.get $end)))))

  ;; BatchNorm gradient sums: acc[0..c) = sum dy, acc[c..2c) = sum dy*x (f64).
  (func (export "gradSums") (param $dy i32) (param $x i32) (param $n i32) (param $c i32) (param $acc i32)
    (local $i i32) (local $end i32) (local $j i32) (local $cb i32) (local $a i32) (local $q i32)
    (local $d v128) (local $xv v128) (local $l v128) (local $h v128)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (call $zero (local.get $acc) (i32.shl (local.get $c) (i32.const 4)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (if (i32.eqz (local.get $end)) (then (return)))
    (loop $rows
      (local.set $d (v128.load (i32.add (local.get $dy) (local.get $i))))
      (local.set $xv (v128.load (i32.add (local.get $x) (local.get $i))))
      (local.set $l (call $lo (local.get $d)))
      (local.set $h (call $hi (local.get $d)))
      (local.set $a (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 1))))
      (local.set $q (i32.add (local.get $a) (i32.shl (local.get $cb) (i32.const 1))))
      (v128.store (local.get $a) (f64x2.add (v128.load (local.get $a)) (local.get $l)))
      (v128.store offset=16 (local.get $a) (f64x2.add (v128.load offset=16 (local.get $a)) (local.get $h)))
      (v128.store (local.get $q) (f64x2.add (v128.load (local.get $q)) (f64x2.mul (local.get $l) (call $lo (local.get $xv)))))
      (v128.store offset=16 (local.get $q) (f64x2.add (v128.load offset=16 (local.get $q)) (f64x2.mul (local.get $h) (call $hi (local.get $xv)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (if (i32.eq (local.get $j) (local.get $cb)) (then (local.set $j (i32.const 0))))
      (br_if $rows (i32.lt_u (local.get $i) (local.get $end)))))

  ;; out = a[k] * u + e[k] (a, e: f32[c]).
  (func (export "affine1") (param $out i32) (param $u i32) (param $n i32) (param $c i32) (param $a i32) (param $e i32)
    (local $i i32) (local $end i32) (local $j i32) (local $cb i32)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (if (i32.eqz (local.get $end)) (then (return)))
    (loop $rows
      (v128.store (i32.add (local.get $out) (local.get $i))
        (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $a) (local.get $j))) (v128.load (i32.add (local.get $u) (local.get $i))))
          (v128.load (i32.add (local.get $e) (local.get $j)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (if (i32.eq (local.get $j) (local.get $cb)) (then (local.set $j (i32.const 0))))
      (br_if $rows (i32.lt_u (local.get $i) (local.get $end)))))

  ;; out = a[k] * u + b[k] * w + e[k] (a, b, e: f32[c]).
  (func (export "affine2") (param $out i32) (param $u i32) (param $w i32) (param $n i32) (param $c i32) (param $a i32) (param $b i32) (param $e i32)
    (local $i i32) (local $end i32) (local $j i32) (local $cb i32)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (if (i32.eqz (local.get $end)) (then (return)))
    (loop $rows
      (v128.store (i32.add (local.get $out) (local.get $i))
        (f32x4.add
          (f32x4.add
            (f32x4.mul (v128.load (i32.add (local.get $a) (local.get $j))) (v128.load (i32.add (local.get $u) (local.get $i))))
            (f32x4.mul (v128.load (i32.add (local.get $b) (local.get $j))) (v128.load (i32.add (local.get $w) (local.get $i)))))
          (v128.load (i32.add (local.get $e) (local.get $j)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (if (i32.eq (local.get $j) (local.get $cb)) (then (local.set $j (i32.const 0))))
      (br_if $rows (i32.lt_u (local.get $i) (local.get $end)))))

  ;; Four rows of four floats (at p, p + stride, p + 2 stride, p + 3 stride) written transposed: column k
  ;; to q + k * dstride.
  (func $transpose4 (param $p i32) (param $stride i32) (param $q i32) (param $dstride i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $r0 (v128.load (local.get $p)))
    (local.set $r1 (v128.load (i32.add (local.get $p) (local.get $stride))))
    (local.set $r2 (v128.load (i32.add (local.get $p) (i32.shl (local.get $stride) (i32.const 1)))))
    (local.set $r3 (v128.load (i32.add (local.get $p) (i32.mul (local.get $stride) (i32.const 3)))))
    (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
    (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
    (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
    (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
    (v128.store (local.get $q) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
    (v128.store (i32.add (local.get $q) (local.get $dstride)) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
    (v128.store (i32.add (local.get $q) (i32.shl (local.get $dstride) (i32.const 1))) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
    (v128.store (i32.add (local.get $q) (i32.mul (local.get $dstride) (i32.const 3))) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3))))

  ;; x [batch, height, width, ch] -> dst [ch, h, w, batch], rows < h and columns < w kept; batch and ch
  ;; multiples of 4 (ch = 1: see channelsToBatch1).
  (func (export "channelsToBatch") (param $dst i32) (param $src i32) (param $batch i32) (param $height i32) (param $width i32) (param $ch i32) (param $h i32) (param $w i32)
    (local $y i32) (local $x i32) (local $b i32) (local $k i32)
    (local $image i32) (local $plane i32) (local $sp i32) (local $dp i32)
    (local.set $image (i32.shl (i32.mul (i32.mul (local.get $height) (local.get $width)) (local.get $ch)) (i32.const 2)))
    (local.set $plane (i32.shl (i32.mul (i32.mul (local.get $h) (local.get $w)) (local.get $batch)) (i32.const 2)))
    (block $done
      (br_if $done (i32.or (i32.or (i32.eqz (local.get $h)) (i32.eqz (local.get $w))) (i32.or (i32.eqz (local.get $batch)) (i32.eqz (local.get $ch)))))
      (loop $ys
        (local.set $x (i32.const 0))
        (loop $xs
          (local.set $sp (i32.add (local.get $src) (i32.shl (i32.mul (i32.add (i32.mul (local.get $y) (local.get $width)) (local.get $x)) (local.get $ch)) (i32.const 2))))
          (local.set $dp (i32.add (local.get $dst) (i32.shl (i32.mul (i32.add (i32.mul (local.get $y) (local.get $w)) (local.get $x)) (local.get $batch)) (i32.const 2))))
          (local.set $b (i32.const 0))
          (loop $bs
            (local.set $k (i32.const 0))
            (loop $ks
              (call $transpose4
                (i32.add (local.get $sp) (i32.add (i32.mul (local.get $b) (local.get $image)) (i32.shl (local.get $k) (i32.const 2))))
                (local.get $image)
                (i32.add (local.get $dp) (i32.add (i32.mul (local.get $k) (local.get $plane)) (i32.shl (local.get $b) (i32.const 2))))
                (local.get $plane))
              (local.set $k (i32.add (local.get $k) (i32.const 4)))
              (br_if $ks (i32.lt_u (local.get $k) (local.get $ch))))
            (local.set $b (i32.add (local.get $b) (i32.const 4)))
            (br_if $bs (i32.lt_u (local.get $b) (local.get $batch))))
          (local.set $x (i32.add (local.get $x) (i32.const 1)))
          (br_if $xs (i32.lt_u (local.get $x) (local.get $w))))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br_if $ys (i32.lt_u (local.get $y) (local.get $h))))))

  ;; One input channel: x [batch, height, width] -> dst [h, w, batch]; batch and w multiples of 4.
  (func (export "channelsToBatch1") (param $dst i32) (param $src i32) (param $batch i32) (param $height i32) (param $width i32) (param $h i32) (param $w i32)
    (local $y i32) (local $x i32) (local $b i32) (local $image i32) (local $bb i32)
    (local.set $image (i32.shl (i32.mul (local.get $height) (local.get $width)) (i32.const 2)))
    (local.set $bb (i32.shl (local.get $batch) (i32.const 2)))
    (block $done
      (br_if $done (i32.or (i32.or (i32.eqz (local.get $h)) (i32.eqz (local.get $w))) (i32.eqz (local.get $batch))))
      (loop $ys
        (local.set $x (i32.const 0))
        (loop $xs
          (local.set $b (i32.const 0))
          (loop $bs
            (call $transpose4
              (i32.add (local.get $src) (i32.add (i32.mul (local.get $b) (local.get $image)) (i32.shl (i32.add (i32.mul (local.get $y) (local.get $width)) (local.get $x)) (i32.const 2))))
              (local.get $image)
              (i32.add (local.get $dst) (i32.add (i32.mul (i32.add (i32.mul (local.get $y) (local.get $w)) (local.get $x)) (local.get $bb)) (i32.shl (local.get $b) (i32.const 2))))
              (local.get $bb))
            (local.set $b (i32.add (local.get $b) (i32.const 4)))
            (br_if $bs (i32.lt_u (local.get $b) (local.get $batch))))
          (local.set $x (i32.add (local.get $x) (i32.const 4)))
          (br_if $xs (i32.lt_u (local.get $x) (local.get $w))))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br_if $ys (i32.lt_u (local.get $y) (local.get $h))))))

  ;; Conv2DBackpropFilter of a one-input-channel layer as im2col x dy without building the patches:
  ;; dw[i, j, 0, o] = sum over b, p, q of x[b, p*sh + i - top, q*sw + j - left] * dy[b, p, q, o]
  ;; (x [batch, height, width], dy [batch, oh, ow, o], dw [kh, kw, 1, o]; out-of-range x is the zero
  ;; padding). o a multiple of 8: eight output channels per pass over a dy row, one x value splatted.
  (func (export "backpropFilter1") (param $dw i32) (param $x i32) (param $dy i32) (param $batch i32) (param $height i32) (param $width i32)
    (param $oh i32) (param $ow i32) (param $kh i32) (param $kw i32) (param $o i32) (param $sh i32) (param $sw i32) (param $top i32) (param $left i32)
    (local $b i32) (local $p i32) (local $i i32) (local $j i32) (local $g i32) (local $q i32) (local $qlo i32) (local $qhi i32)
    (local $y i32) (local $xrow i32) (local $dyrow i32) (local $accp i32) (local $ob i32) (local $xstep i32) (local $xp i32) (local $dp i32)
    (local $a0 v128) (local $a1 v128) (local $xv v128)
    (local.set $ob (i32.shl (local.get $o) (i32.const 2)))
    (local.set $xstep (i32.shl (local.get $sw) (i32.const 2)))
    (memory.fill (local.get $dw) (i32.const 0) (i32.mul (i32.mul (local.get $kh) (local.get $kw)) (local.get $ob)))
    (block $done
      (br_if $done (i32.or (i32.or (i32.eqz (local.get $batch)) (i32.eqz (local.get $oh))) (i32.or (i32.eqz (local.get $ow)) (i32.eqz (local.get $o)))))
      (br_if $done (i32.or (i32.eqz (local.get $kh)) (i32.eqz (local.get $kw))))
      (loop $bs
        (local.set $p (i32.const 0))
        (loop $ps
          (local.set $dyrow (i32.add (local.get $dy) (i32.mul (i32.mul (i32.add (i32.mul (local.get $b) (local.get $oh)) (local.get $p)) (local.get $ow)) (local.get $ob))))
          (local.set $i (i32.const 0))
          (loop $is
            (local.set $y (i32.sub (i32.add (i32.mul (local.get $p) (local.get $sh)) (local.get $i)) (local.get $top)))
            (if (i32.lt_u (local.get $y) (local.get $height))
              (then
                (local.set $xrow (i32.add (local.get $x) (i32.shl (i32.mul (i32.add (i32.mul (local.get $b) (local.get $height)) (local.get $y)) (local.get $width)) (i32.const 2))))
                (local.set $j (i32.const 0))
                (loop $js
                  ;; q in [qlo, qhi): the columns q*sw + j - left inside the image
                  (local.set $qlo (i32.const 0))
                  (block $lo_done
                    (loop $lo
                      (br_if $lo_done (i32.ge_u (local.get $qlo) (local.get $ow)))
                      (br_if $lo_done (i32.ge_s (i32.sub (i32.add (i32.mul (local.get $qlo) (local.get $sw)) (local.get $j)) (local.get $left)) (i32.const 0)))
                      (local.set $qlo (i32.add (local.get $qlo) (i32.const 1)))
                      (br $lo)))
                  (local.set $qhi (local.get $ow))
                  (block $hi_done
                    (loop $hi
                      (br_if $hi_done (i32.le_u (local.get $qhi) (local.get $qlo)))
                      (br_if $hi_done (i32.lt_s (i32.sub (i32.add (i32.mul (i32.sub (local.get $qhi) (i32.const 1)) (local.get $sw)) (local.get $j)) (local.get $left)) (local.get $width)))
                      (local.set $qhi (i32.sub (local.get $qhi) (i32.const 1)))
                      (br $hi)))
                  (if (i32.lt_u (local.get $qlo) (local.get $qhi))
                    (then
                      (local.set $accp (i32.add (local.get $dw) (i32.mul (i32.add (i32.mul (local.get $i) (local.get $kw)) (local.get $j)) (local.get $ob))))
                      (local.set $g (i32.const 0))
                      (loop $gs
                        (local.set $a0 (v128.load (i32.add (local.get $accp) (local.get $g))))
                        (local.set $a1 (v128.load offset=16 (i32.add (local.get $accp) (local.get $g))))
                        (local.set $xp (i32.add (local.get $xrow) (i32.shl (i32.sub (i32.add (i32.mul (local.get $qlo) (local.get $sw)) (local.get $j)) (local.get $left)) (i32.const 2))))
                        (local.set $dp (i32.add (i32.add (local.get $dyrow) (i32.mul (local.get $qlo) (local.get $ob))) (local.get $g)))
                        (local.set $q (local.get $qlo))
                        (loop $qs
                          (local.set $xv (v128.load32_splat (local.get $xp)))
                          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $xv) (v128.load (local.get $dp)))))
                          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $xv) (v128.load offset=16 (local.get $dp)))))
                          (local.set $xp (i32.add (local.get $xp) (local.get $xstep)))
                          (local.set $dp (i32.add (local.get $dp) (local.get $ob)))
                          (local.set $q (i32.add (local.get $q) (i32.const 1)))
                          (br_if $qs (i32.lt_u (local.get $q) (local.get $qhi))))
                        (v128.store (i32.add (local.get $accp) (local.get $g)) (local.get $a0))
                        (v128.store offset=16 (i32.add (local.get $accp) (local.get $g)) (local.get $a1))
                        (local.set $g (i32.add (local.get $g) (i32.const 32)))
                        (br_if $gs (i32.lt_u (local.get $g) (local.get $ob))))))
                  (local.set $j (i32.add (local.get $j) (i32.const 1)))
                  (br_if $js (i32.lt_u (local.get $j) (local.get $kw))))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $is (i32.lt_u (local.get $i) (local.get $kh))))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br_if $ps (i32.lt_u (local.get $p) (local.get $oh))))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br_if $bs (i32.lt_u (local.get $b) (local.get $batch))))))

  ;; Conv2DBackpropFilter, c a multiple of 4 and o of 8:
  ;; dw[i, j, ci, co] = sum over b, p, q of x[b, p*sh + i - top, q*sw + j - left, ci] * dy[b, p, q, co]
  ;; (x [batch, height, width, c], dy [batch, oh, ow, o], dw [kh, kw, c, o]; out-of-range x is the zero
  ;; padding) read where the tensors lie, channels last: no transposes, no packing. Register-tiled: a
  ;; 4 x 8 block of dw (4 input channels x 8 output channels, eight f32x4 accumulators) takes, at every
  ;; output position, four splatted x values and two dy vectors (32 multiply-adds). Positions go in
  ;; chunks of `rows` output rows of one image, each chunk visiting every (i, j, ci, co) block, so the
  ;; x and dy rows it reads stay in L1 across the blocks; a block's accumulators are loaded from dw and
  ;; stored back once per chunk. Only output channels [o0, o1) (multiples of 8): the threads' parts
  ;; (helper-threads.ts). dw accumulates: the caller zeroes it.
  (func (export "backpropFilter") (param $dw i32) (param $x i32) (param $dy i32) (param $batch i32) (param $height i32) (param $width i32) (param $c i32)
    (param $oh i32) (param $ow i32) (param $o i32) (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32) (param $top i32) (param $left i32) (param $rows i32)
    (param $o0 i32) (param $o1 i32)
    (local $b i32) (local $p0 i32) (local $p1 i32) (local $i i32) (local $j i32) (local $plo i32) (local $phi i32) (local $qlo i32) (local $qhi i32)
    (local $ct i32) (local $ot i32) (local $p i32) (local $q i32) (local $accp i32) (local $xp i32) (local $dp i32)
    (local $ob i32) (local $cb i32) (local $xstep i32) (local $xbase i32) (local $dbase i32) (local $n i32)
    (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128) (local $a20 v128) (local $a21 v128) (local $a30 v128) (local $a31 v128)
    (local $d0 v128) (local $d1 v128) (local $s v128)
    (local.set $ob (i32.shl (local.get $o) (i32.const 2)))
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $xstep (i32.mul (local.get $sw) (local.get $cb)))
    (block $done
      (br_if $done (i32.or (i32.or (i32.eqz (local.get $batch)) (i32.eqz (local.get $oh))) (i32.or (i32.eqz (local.get $ow)) (i32.eqz (local.get $o)))))
      (br_if $done (i32.or (i32.or (i32.eqz (local.get $kh)) (i32.eqz (local.get $kw))) (i32.eqz (local.get $c))))
      (br_if $done (i32.ge_u (local.get $o0) (local.get $o1)))
      (loop $bs
        (local.set $p0 (i32.const 0))
        (loop $chunks
          (local.set $p1 (i32.add (local.get $p0) (local.get $rows)))
          (if (i32.gt_u (local.get $p1) (local.get $oh)) (then (local.set $p1 (local.get $oh))))
          (local.set $i (i32.const 0))
          (loop $is
            ;; p in [plo, phi): rows p*sh + i - top inside the image
            (local.set $plo (local.get $p0))
            (block $plo_done
              (loop $l
                (br_if $plo_done (i32.ge_u (local.get $plo) (local.get $p1)))
                (br_if $plo_done (i32.ge_s (i32.sub (i32.add (i32.mul (local.get $plo) (local.get $sh)) (local.get $i)) (local.get $top)) (i32.const 0)))
                (local.set $plo (i32.add (local.get $plo) (i32.const 1)))
                (br $l)))
            (local.set $phi (local.get $p1))
            (block $phi_done
              (loop $l
                (br_if $phi_done (i32.le_u (local.get $phi) (local.get $plo)))
                (br_if $phi_done (i32.lt_s (i32.sub (i32.add (i32.mul (i32.sub (local.get $phi) (i32.const 1)) (local.get $sh)) (local.get $i)) (local.get $top)) (local.get $height)))
                (local.set $phi (i32.sub (local.get $phi) (i32.const 1)))
                (br $l)))
            (if (i32.lt_u (local.get $plo) (local.get $phi))
              (then
                (local.set $j (i32.const 0))
                (loop $js
                  (local.set $qlo (i32.const 0))
                  (block $qlo_done
                    (loop $l
                      (br_if $qlo_done (i32.ge_u (local.get $qlo) (local.get $ow)))
                      (br_if $qlo_done (i32.ge_s (i32.sub (i32.add (i32.mul (local.get $qlo) (local.get $sw)) (local.get $j)) (local.get $left)) (i32.const 0)))
                      (local.set $qlo (i32.add (local.get $qlo) (i32.const 1)))
                      (br $l)))
                  (local.set $qhi (local.get $ow))
                  (block $qhi_done
                    (loop $l
                      (br_if $qhi_done (i32.le_u (local.get $qhi) (local.get $qlo)))
                      (br_if $qhi_done (i32.lt_s (i32.sub (i32.add (i32.mul (i32.sub (local.get $qhi) (i32.const 1)) (local.get $sw)) (local.get $j)) (local.get $left)) (local.get $width)))
                      (local.set $qhi (i32.sub (local.get $qhi) (i32.const 1)))
                      (br $l)))
                  (if (i32.lt_u (local.get $qlo) (local.get $qhi))
                    (then
                      (local.set $n (i32.sub (local.get $qhi) (local.get $qlo)))
                      ;; x of (b, plo*sh + i - top, qlo*sw + j - left, 0) and dy of (b, plo, qlo, 0)
                      (local.set $xbase (i32.add (local.get $x) (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $height))
                        (i32.sub (i32.add (i32.mul (local.get $plo) (local.get $sh)) (local.get $i)) (local.get $top))) (local.get $width))
                        (i32.sub (i32.add (i32.mul (local.get $qlo) (local.get $sw)) (local.get $j)) (local.get $left))) (local.get $cb))))
                      (local.set $dbase (i32.add (local.get $dy) (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $oh)) (local.get $plo)) (local.get $ow)) (local.get $qlo)) (local.get $ob))))
                      (local.set $ct (i32.const 0))
                      (loop $cts
                        (local.set $ot (local.get $o0))
                        (loop $ots
                          (local.set $accp (i32.add (local.get $dw) (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $i) (local.get $kw)) (local.get $j)) (local.get $c)) (local.get $ct)) (local.get $ob)) (i32.shl (local.get $ot) (i32.const 2)))))
                          (local.set $a00 (v128.load (local.get $accp)))
                          (local.set $a01 (v128.load offset=16 (local.get $accp)))
                          (local.set $a10 (v128.load (i32.add (local.get $accp) (local.get $ob))))
                          (local.set $a11 (v128.load offset=16 (i32.add (local.get $accp) (local.get $ob))))
                          (local.set $a20 (v128.load (i32.add (local.get $accp) (i32.shl (local.get $ob) (i32.const 1)))))
                          (local.set $a21 (v128.load offset=16 (i32.add (local.get $accp) (i32.shl (local.get $ob) (i32.const 1)))))
                          (local.set $a30 (v128.load (i32.add (local.get $accp) (i32.mul (local.get $ob) (i32.const 3)))))
                          (local.set $a31 (v128.load offset=16 (i32.add (local.get $accp) (i32.mul (local.get $ob) (i32.const 3)))))
                          (local.set $p (local.get $plo))
                          (loop $ps
                            (local.set $xp (i32.add (i32.add (local.get $xbase) (i32.mul (i32.mul (i32.mul (i32.sub (local.get $p) (local.get $plo)) (local.get $sh)) (local.get $width)) (local.get $cb))) (i32.shl (local.get $ct) (i32.const 2))))
                            (local.set $dp (i32.add (i32.add (local.get $dbase) (i32.mul (i32.mul (i32.sub (local.get $p) (local.get $plo)) (local.get $ow)) (local.get $ob))) (i32.shl (local.get $ot) (i32.const 2))))
                            (local.set $q (local.get $n))
                            (loop $qs
                              (local.set $d0 (v128.load (local.get $dp)))
                              (local.set $d1 (v128.load offset=16 (local.get $dp)))
                              (local.set $s (v128.load32_splat (local.get $xp)))
                              (local.set $a00 (f32x4.add (local.get $a00) (f32x4.mul (local.get $s) (local.get $d0))))
                              (local.set $a01 (f32x4.add (local.get $a01) (f32x4.mul (local.get $s) (local.get $d1))))
                              (local.set $s (v128.load32_splat offset=4 (local.get $xp)))
                              (local.set $a10 (f32x4.add (local.get $a10) (f32x4.mul (local.get $s) (local.get $d0))))
                              (local.set $a11 (f32x4.add (local.get $a11) (f32x4.mul (local.get $s) (local.get $d1))))
                              (local.set $s (v128.load32_splat offset=8 (local.get $xp)))
                              (local.set $a20 (f32x4.add (local.get $a20) (f32x4.mul (local.get $s) (local.get $d0))))
                              (local.set $a21 (f32x4.add (local.get $a21) (f32x4.mul (local.get $s) (local.get $d1))))
                              (local.set $s (v128.load32_splat offset=12 (local.get $xp)))
                              (local.set $a30 (f32x4.add (local.get $a30) (f32x4.mul (local.get $s) (local.get $d0))))
                              (local.set $a31 (f32x4.add (local.get $a31) (f32x4.mul (local.get $s) (local.get $d1))))
                              (local.set $xp (i32.add (local.get $xp) (local.get $xstep)))
                              (local.set $dp (i32.add (local.get $dp) (local.get $ob)))
                              (local.set $q (i32.sub (local.get $q) (i32.const 1)))
                              (br_if $qs (local.get $q)))
                            (local.set $p (i32.add (local.get $p) (i32.const 1)))
                            (br_if $ps (i32.lt_u (local.get $p) (local.get $phi))))
                          (v128.store (local.get $accp) (local.get $a00))
                          (v128.store offset=16 (local.get $accp) (local.get $a01))
                          (v128.store (i32.add (local.get $accp) (local.get $ob)) (local.get $a10))
                          (v128.store offset=16 (i32.add (local.get $accp) (local.get $ob)) (local.get $a11))
                          (v128.store (i32.add (local.get $accp) (i32.shl (local.get $ob) (i32.const 1))) (local.get $a20))
                          (v128.store offset=16 (i32.add (local.get $accp) (i32.shl (local.get $ob) (i32.const 1))) (local.get $a21))
                          (v128.store (i32.add (local.get $accp) (i32.mul (local.get $ob) (i32.const 3))) (local.get $a30))
                          (v128.store offset=16 (i32.add (local.get $accp) (i32.mul (local.get $ob) (i32.const 3))) (local.get $a31))
                          (local.set $ot (i32.add (local.get $ot) (i32.const 8)))
                          (br_if $ots (i32.lt_u (local.get $ot) (local.get $o1))))
                        (local.set $ct (i32.add (local.get $ct) (i32.const 4)))
                        (br_if $cts (i32.lt_u (local.get $ct) (local.get $c))))))
                  (local.set $j (i32.add (local.get $j) (i32.const 1)))
                  (br_if $js (i32.lt_u (local.get $j) (local.get $kw))))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br_if $is (i32.lt_u (local.get $i) (local.get $kh))))
          (local.set $p0 (local.get $p1))
          (br_if $chunks (i32.lt_u (local.get $p0) (local.get $oh))))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br_if $bs (i32.lt_u (local.get $b) (local.get $batch))))))

  ;; Conv2DBackpropInput's filter, packed for backpropInput: wp[ct/16][i][j][co][16] = w[i][j][ct + 0..16][co]
  ;; (w [kh, kw, c, o], c a multiple of 16), so that the kernel's inner loop reads it in order.
  (func (export "packFilterT") (param $wp i32) (param $w i32) (param $kh i32) (param $kw i32) (param $c i32) (param $o i32)
    (local $ct i32) (local $t i32) (local $taps i32) (local $co i32) (local $k i32) (local $src i32) (local $dst i32)
    (local.set $taps (i32.mul (local.get $kh) (local.get $kw)))
    (local.set $dst (local.get $wp))
    (block $done
      (br_if $done (i32.or (i32.or (i32.eqz (local.get $taps)) (i32.eqz (local.get $c))) (i32.eqz (local.get $o))))
      (loop $cts
        (local.set $t (i32.const 0))
        (loop $ts
          (local.set $co (i32.const 0))
          (loop $cos
            (local.set $src (i32.add (local.get $w) (i32.shl (i32.add (i32.mul (i32.add (i32.mul (local.get $t) (local.get $c)) (local.get $ct)) (local.get $o)) (local.get $co)) (i32.const 2))))
            (local.set $k (i32.const 0))
            (loop $ks
              (f32.store (local.get $dst) (f32.load (local.get $src)))
              (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
              (local.set $src (i32.add (local.get $src) (i32.shl (local.get $o) (i32.const 2))))
              (local.set $k (i32.add (local.get $k) (i32.const 1)))
              (br_if $ks (i32.lt_u (local.get $k) (i32.const 16))))
            (local.set $co (i32.add (local.get $co) (i32.const 1)))
            (br_if $cos (i32.lt_u (local.get $co) (local.get $o))))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (br_if $ts (i32.lt_u (local.get $t) (local.get $taps))))
        (local.set $ct (i32.add (local.get $ct) (i32.const 16)))
        (br_if $cts (i32.lt_u (local.get $ct) (local.get $c))))))

  ;; Conv2DBackpropInput, c a multiple of 16:
  ;; dx[b, h, w, ci] = sum over i, j, co of dy[b, p, q, co] * w[i, j, ci, co] where h = p*sh + i - top and
  ;; w = q*sw + j - left (dy [batch, oh, ow, o], dx [batch, height, width, c], w packed by packFilterT).
  ;; Register-tiled: 2 pixels of a row (w and w + sw: the same filter columns meet both) x 16 channels
  ;; (eight f32x4 accumulators, written once: dx is not read). For each filter tap that reaches the row
  ;; (h + top - i a multiple of sh) and the pixels (w + left - j a multiple of sw), a pass over the o
  ;; channels takes four filter vectors and two splatted dy values (32 multiply-adds). A pixel whose dy
  ;; column is outside dy reads `zero` (o zero floats) instead; a tap that reaches neither is skipped. Rows
  ;; r = b * height + h in [r0, r1) only: the threads' parts (helper-threads.ts).
  (func (export "backpropInput") (param $dx i32) (param $dy i32) (param $wp i32) (param $zero i32) (param $height i32) (param $width i32) (param $c i32)
    (param $oh i32) (param $ow i32) (param $o i32) (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32) (param $top i32) (param $left i32)
    (param $r0 i32) (param $r1 i32)
    (local $r i32) (local $b i32) (local $h i32) (local $ph i32) (local $wt i32) (local $two i32) (local $ct i32) (local $i i32) (local $j i32)
    (local $t i32) (local $p i32) (local $q i32) (local $dyrow i32) (local $wq i32) (local $ob i32) (local $cb i32) (local $panel i32)
    (local $p0 i32) (local $p1 i32) (local $wptr i32) (local $cnt i32) (local $dst i32)
    (local $a00 v128) (local $a01 v128) (local $a02 v128) (local $a03 v128) (local $a10 v128) (local $a11 v128) (local $a12 v128) (local $a13 v128)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128) (local $s v128)
    (local.set $ob (i32.shl (local.get $o) (i32.const 2)))
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    ;; bytes of one 16-channel panel of wp: kh*kw*o*64
    (local.set $panel (i32.shl (i32.mul (i32.mul (local.get $kh) (local.get $kw)) (local.get $o)) (i32.const 6)))
    (block $done
      (br_if $done (i32.ge_u (local.get $r0) (local.get $r1)))
      (br_if $done (i32.or (i32.eqz (local.get $c)) (i32.eqz (local.get $width))))
      (local.set $r (local.get $r0))
      (loop $rs
        (local.set $b (i32.div_u (local.get $r) (local.get $height)))
        (local.set $h (i32.rem_u (local.get $r) (local.get $height)))
        (local.set $ph (i32.const 0))
        (loop $phs
          (local.set $wt (local.get $ph))
          (block $phase_done
            (br_if $phase_done (i32.ge_u (local.get $wt) (local.get $width)))
            (loop $tiles
              (local.set $two (i32.lt_u (i32.add (local.get $wt) (local.get $sw)) (local.get $width)))
              (local.set $ct (i32.const 0))
              (loop $cts
                (local.set $a00 (v128.const i32x4 0 0 0 0)) (local.set $a01 (v128.const i32x4 0 0 0 0))
                (local.set $a02 (v128.const i32x4 0 0 0 0)) (local.set $a03 (v128.const i32x4 0 0 0 0))
                (local.set $a10 (v128.const i32x4 0 0 0 0)) (local.set $a11 (v128.const i32x4 0 0 0 0))
                (local.set $a12 (v128.const i32x4 0 0 0 0)) (local.set $a13 (v128.const i32x4 0 0 0 0))
                (local.set $i (i32.const 0))
                (loop $is
                  (local.set $t (i32.sub (i32.add (local.get $h) (local.get $top)) (local.get $i)))
                  (if (i32.and (i32.ge_s (local.get $t) (i32.const 0)) (i32.eqz (i32.rem_u (local.get $t) (local.get $sh))))
                    (then
                      (local.set $p (i32.div_u (local.get $t) (local.get $sh)))
                      (if (i32.lt_u (local.get $p) (local.get $oh))
                        (then
                          (local.set $dyrow (i32.add (local.get $dy) (i32.mul (i32.mul (i32.add (i32.mul (local.get $b) (local.get $oh)) (local.get $p)) (local.get $ow)) (local.get $ob))))
                          (local.set $j (i32.const 0))
                          (loop $js
                            (local.set $wq (i32.sub (i32.add (local.get $wt) (local.get $left)) (local.get $j)))
                            (if (i32.eqz (i32.rem_s (local.get $wq) (local.get $sw)))
                              (then
                                (local.set $q (i32.div_s (local.get $wq) (local.get $sw)))
                                (local.set $p0 (local.get $zero)) (local.set $p1 (local.get $zero))
                                (if (i32.lt_u (local.get $q) (local.get $ow))
                                  (then (local.set $p0 (i32.add (local.get $dyrow) (i32.mul (local.get $q) (local.get $ob))))))
                                (local.set $q (i32.add (local.get $q) (i32.const 1)))
                                (if (i32.and (local.get $two) (i32.lt_u (local.get $q) (local.get $ow)))
                                  (then (local.set $p1 (i32.add (local.get $dyrow) (i32.mul (local.get $q) (local.get $ob))))))
                                (if (i32.or (i32.ne (local.get $p0) (local.get $zero)) (i32.ne (local.get $p1) (local.get $zero)))
                                  (then
                                (local.set $wptr (i32.add (i32.add (local.get $wp) (i32.mul (i32.shr_u (local.get $ct) (i32.const 4)) (local.get $panel)))
                                  (i32.shl (i32.mul (i32.add (i32.mul (local.get $i) (local.get $kw)) (local.get $j)) (local.get $o)) (i32.const 6))))
                                (local.set $cnt (local.get $o))
                                (loop $os
                                  (local.set $w0 (v128.load (local.get $wptr)))
                                  (local.set $w1 (v128.load offset=16 (local.get $wptr)))
                                  (local.set $w2 (v128.load offset=32 (local.get $wptr)))
                                  (local.set $w3 (v128.load offset=48 (local.get $wptr)))
                                  (local.set $s (v128.load32_splat (local.get $p0)))
                                  (local.set $a00 (f32x4.add (local.get $a00) (f32x4.mul (local.get $s) (local.get $w0))))
                                  (local.set $a01 (f32x4.add (local.get $a01) (f32x4.mul (local.get $s) (local.get $w1))))
                                  (local.set $a02 (f32x4.add (local.get $a02) (f32x4.mul (local.get $s) (local.get $w2))))
                                  (local.set $a03 (f32x4.add (local.get $a03) (f32x4.mul (local.get $s) (local.get $w3))))
                                  (local.set $s (v128.load32_splat (local.get $p1)))
                                  (local.set $a10 (f32x4.add (local.get $a10) (f32x4.mul (local.get $s) (local.get $w0))))
                                  (local.set $a11 (f32x4.add (local.get $a11) (f32x4.mul (local.get $s) (local.get $w1))))
                                  (local.set $a12 (f32x4.add (local.get $a12) (f32x4.mul (local.get $s) (local.get $w2))))
                                  (local.set $a13 (f32x4.add (local.get $a13) (f32x4.mul (local.get $s) (local.get $w3))))
                                  (local.set $p0 (i32.add (local.get $p0) (i32.const 4)))
                                  (local.set $p1 (i32.add (local.get $p1) (i32.const 4)))
                                  (local.set $wptr (i32.add (local.get $wptr) (i32.const 64)))
                                  (local.set $cnt (i32.sub (local.get $cnt) (i32.const 1)))
                                  (br_if $os (local.get $cnt)))))))
                            (local.set $j (i32.add (local.get $j) (i32.const 1)))
                            (br_if $js (i32.lt_u (local.get $j) (local.get $kw))))))))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $is (i32.lt_u (local.get $i) (local.get $kh))))
                (local.set $dst (i32.add (local.get $dx) (i32.add (i32.mul (i32.add (i32.mul (local.get $r) (local.get $width)) (local.get $wt)) (local.get $cb)) (i32.shl (local.get $ct) (i32.const 2)))))
                (v128.store (local.get $dst) (local.get $a00))
                (v128.store offset=16 (local.get $dst) (local.get $a01))
                (v128.store offset=32 (local.get $dst) (local.get $a02))
                (v128.store offset=48 (local.get $dst) (local.get $a03))
                (if (local.get $two) (then
                  (local.set $dst (i32.add (local.get $dst) (i32.mul (local.get $sw) (local.get $cb))))
                  (v128.store (local.get $dst) (local.get $a10))
                  (v128.store offset=16 (local.get $dst) (local.get $a11))
                  (v128.store offset=32 (local.get $dst) (local.get $a12))
                  (v128.store offset=48 (local.get $dst) (local.get $a13))))
                (local.set $ct (i32.add (local.get $ct) (i32.const 16)))
                (br_if $cts (i32.lt_u (local.get $ct) (local.get $c))))
              (local.set $wt (i32.add (local.get $wt) (i32.shl (local.get $sw) (i32.const 1))))
              (br_if $tiles (i32.lt_u (local.get $wt) (local.get $width)))))
          (local.set $ph (i32.add (local.get $ph) (i32.const 1)))
          (br_if $phs (i32.lt_u (local.get $ph) (local.get $sw))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br_if $rs (i32.lt_u (local.get $r) (local.get $r1))))))

  ;; Conv2D's filter, packed for convReluForward: wp[ot/16][t][ci][16] = w[t][ci][ot + 0..16] (w [taps, c, o]
  ;; with taps = kh * kw, o a multiple of 16), so that the kernel's inner loop reads it in order.
  (func (export "packFilter") (param $wp i32) (param $w i32) (param $taps i32) (param $c i32) (param $o i32)
    (local $ot i32) (local $row i32) (local $rows i32) (local $src i32) (local $dst i32)
    (local.set $rows (i32.mul (local.get $taps) (local.get $c)))
    (local.set $dst (local.get $wp))
    (block $done
      (br_if $done (i32.or (i32.eqz (local.get $rows)) (i32.eqz (local.get $o))))
      (loop $ots
        (local.set $src (i32.add (local.get $w) (i32.shl (local.get $ot) (i32.const 2))))
        (local.set $row (i32.const 0))
        (loop $rs
          (v128.store (local.get $dst) (v128.load (local.get $src)))
          (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $src)))
          (v128.store offset=32 (local.get $dst) (v128.load offset=32 (local.get $src)))
          (v128.store offset=48 (local.get $dst) (v128.load offset=48 (local.get $src)))
          (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
          (local.set $src (i32.add (local.get $src) (i32.shl (local.get $o) (i32.const 2))))
          (local.set $row (i32.add (local.get $row) (i32.const 1)))
          (br_if $rs (i32.lt_u (local.get $row) (local.get $rows))))
        (local.set $ot (i32.add (local.get $ot) (i32.const 16)))
        (br_if $ots (i32.lt_u (local.get $ot) (local.get $o))))))

  ;; Conv2D + bias + ReLU forward, o a multiple of 16:
  ;; y[b, p, q, co] = max(0, bias[co] + sum over i, j, ci of x[b, p*sh + i - top, q*sw + j - left, ci] * w[i, j, ci, co])
  ;; (x [batch, height, width, c], y [batch, oh, ow, o], w packed by packFilter). The same register tiling
  ;; as backpropInput: 2 output pixels of a row (q, q + 1) x 16 output channels, eight f32x4 accumulators;
  ;; per filter tap a pass over the c input channels takes four filter vectors and two splatted x values. A
  ;; pixel whose x column is outside x (the zero padding) reads `zero` (c zero floats); a tap outside for
  ;; both is skipped. Rows r = b * oh + p in [r0, r1) only: the threads' parts (helper-threads.ts).
  (func (export "convReluForward") (param $y i32) (param $x i32) (param $wp i32) (param $bias i32) (param $zero i32) (param $height i32) (param $width i32) (param $c i32)
    (param $oh i32) (param $ow i32) (param $o i32) (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32) (param $top i32) (param $left i32)
    (param $r0 i32) (param $r1 i32)
    (local $r i32) (local $b i32) (local $p i32) (local $q i32) (local $two i32) (local $ot i32) (local $i i32) (local $j i32)
    (local $yy i32) (local $xc i32) (local $xrow i32) (local $ob i32) (local $cb i32) (local $panel i32)
    (local $p0 i32) (local $p1 i32) (local $wptr i32) (local $cnt i32) (local $dst i32)
    (local $a00 v128) (local $a01 v128) (local $a02 v128) (local $a03 v128) (local $a10 v128) (local $a11 v128) (local $a12 v128) (local $a13 v128)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128) (local $s v128)
    (local.set $ob (i32.shl (local.get $o) (i32.const 2)))
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    ;; bytes of one 16-channel panel of wp: kh*kw*c*64
    (local.set $panel (i32.shl (i32.mul (i32.mul (local.get $kh) (local.get $kw)) (local.get $c)) (i32.const 6)))
    (block $done
      (br_if $done (i32.ge_u (local.get $r0) (local.get $r1)))
      (br_if $done (i32.or (i32.eqz (local.get $ow)) (i32.eqz (local.get $o))))
      (local.set $r (local.get $r0))
      (loop $rs
        (local.set $b (i32.div_u (local.get $r) (local.get $oh)))
        (local.set $p (i32.rem_u (local.get $r) (local.get $oh)))
        (local.set $q (i32.const 0))
        (loop $tiles
          (local.set $two (i32.lt_u (i32.add (local.get $q) (i32.const 1)) (local.get $ow)))
          (local.set $ot (i32.const 0))
          (loop $ots
            (local.set $a00 (v128.const i32x4 0 0 0 0)) (local.set $a01 (v128.const i32x4 0 0 0 0))
            (local.set $a02 (v128.const i32x4 0 0 0 0)) (local.set $a03 (v128.const i32x4 0 0 0 0))
            (local.set $a10 (v128.const i32x4 0 0 0 0)) (local.set $a11 (v128.const i32x4 0 0 0 0))
            (local.set $a12 (v128.const i32x4 0 0 0 0)) (local.set $a13 (v128.const i32x4 0 0 0 0))
            (local.set $i (i32.const 0))
            (loop $is
              (local.set $yy (i32.sub (i32.add (i32.mul (local.get $p) (local.get $sh)) (local.get $i)) (local.get $top)))
              (if (i32.lt_u (local.get $yy) (local.get $height))
                (then
                  (local.set $xrow (i32.add (local.get $x) (i32.mul (i32.mul (i32.add (i32.mul (local.get $b) (local.get $height)) (local.get $yy)) (local.get $width)) (local.get $cb))))
                  (local.set $j (i32.const 0))
                  (loop $js
                    ;; x columns of the two pixels: q*sw + j - left and that + sw; outside x: the zeros
                    (local.set $xc (i32.sub (i32.add (i32.mul (local.get $q) (local.get $sw)) (local.get $j)) (local.get $left)))
                    (local.set $p0 (local.get $zero)) (local.set $p1 (local.get $zero))
                    (if (i32.lt_u (local.get $xc) (local.get $width))
                      (then (local.set $p0 (i32.add (local.get $xrow) (i32.mul (local.get $xc) (local.get $cb))))))
                    (local.set $xc (i32.add (local.get $xc) (local.get $sw)))
                    (if (i32.and (local.get $two) (i32.lt_u (local.get $xc) (local.get $width)))
                      (then (local.set $p1 (i32.add (local.get $xrow) (i32.mul (local.get $xc) (local.get $cb))))))
                    (if (i32.or (i32.ne (local.get $p0) (local.get $zero)) (i32.ne (local.get $p1) (local.get $zero)))
                      (then
                        (local.set $wptr (i32.add (i32.add (local.get $wp) (i32.mul (i32.shr_u (local.get $ot) (i32.const 4)) (local.get $panel)))
                          (i32.shl (i32.mul (i32.add (i32.mul (local.get $i) (local.get $kw)) (local.get $j)) (local.get $c)) (i32.const 6))))
                        (local.set $cnt (local.get $c))
                        (loop $cs
                          (local.set $w0 (v128.load (local.get $wptr)))
                          (local.set $w1 (v128.load offset=16 (local.get $wptr)))
                          (local.set $w2 (v128.load offset=32 (local.get $wptr)))
                          (local.set $w3 (v128.load offset=48 (local.get $wptr)))
                          (local.set $s (v128.load32_splat (local.get $p0)))
                          (local.set $a00 (f32x4.add (local.get $a00) (f32x4.mul (local.get $s) (local.get $w0))))
                          (local.set $a01 (f32x4.add (local.get $a01) (f32x4.mul (local.get $s) (local.get $w1))))
                          (local.set $a02 (f32x4.add (local.get $a02) (f32x4.mul (local.get $s) (local.get $w2))))
                          (local.set $a03 (f32x4.add (local.get $a03) (f32x4.mul (local.get $s) (local.get $w3))))
                          (local.set $s (v128.load32_splat (local.get $p1)))
                          (local.set $a10 (f32x4.add (local.get $a10) (f32x4.mul (local.get $s) (local.get $w0))))
                          (local.set $a11 (f32x4.add (local.get $a11) (f32x4.mul (local.get $s) (local.get $w1))))
                          (local.set $a12 (f32x4.add (local.get $a12) (f32x4.mul (local.get $s) (local.get $w2))))
                          (local.set $a13 (f32x4.add (local.get $a13) (f32x4.mul (local.get $s) (local.get $w3))))
                          (local.set $p0 (i32.add (local.get $p0) (i32.const 4)))
                          (local.set $p1 (i32.add (local.get $p1) (i32.const 4)))
                          (local.set $wptr (i32.add (local.get $wptr) (i32.const 64)))
                          (local.set $cnt (i32.sub (local.get $cnt) (i32.const 1)))
                          (br_if $cs (local.get $cnt)))))
                    (local.set $j (i32.add (local.get $j) (i32.const 1)))
                    (br_if $js (i32.lt_u (local.get $j) (local.get $kw))))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $is (i32.lt_u (local.get $i) (local.get $kh))))
            ;; y = max(acc + bias, 0) for the pixels that exist
            (local.set $w0 (v128.load (i32.add (local.get $bias) (i32.shl (local.get $ot) (i32.const 2)))))
            (local.set $w1 (v128.load offset=16 (i32.add (local.get $bias) (i32.shl (local.get $ot) (i32.const 2)))))
            (local.set $w2 (v128.load offset=32 (i32.add (local.get $bias) (i32.shl (local.get $ot) (i32.const 2)))))
            (local.set $w3 (v128.load offset=48 (i32.add (local.get $bias) (i32.shl (local.get $ot) (i32.const 2)))))
            (local.set $s (v128.const i32x4 0 0 0 0))
            (local.set $dst (i32.add (local.get $y) (i32.add (i32.mul (i32.add (i32.mul (local.get $r) (local.get $ow)) (local.get $q)) (local.get $ob)) (i32.shl (local.get $ot) (i32.const 2)))))
            (v128.store (local.get $dst) (f32x4.max (f32x4.add (local.get $a00) (local.get $w0)) (local.get $s)))
            (v128.store offset=16 (local.get $dst) (f32x4.max (f32x4.add (local.get $a01) (local.get $w1)) (local.get $s)))
            (v128.store offset=32 (local.get $dst) (f32x4.max (f32x4.add (local.get $a02) (local.get $w2)) (local.get $s)))
            (v128.store offset=48 (local.get $dst) (f32x4.max (f32x4.add (local.get $a03) (local.get $w3)) (local.get $s)))
            (if (local.get $two) (then
              (local.set $dst (i32.add (local.get $dst) (local.get $ob)))
              (v128.store (local.get $dst) (f32x4.max (f32x4.add (local.get $a10) (local.get $w0)) (local.get $s)))
              (v128.store offset=16 (local.get $dst) (f32x4.max (f32x4.add (local.get $a11) (local.get $w1)) (local.get $s)))
              (v128.store offset=32 (local.get $dst) (f32x4.max (f32x4.add (local.get $a12) (local.get $w2)) (local.get $s)))
              (v128.store offset=48 (local.get $dst) (f32x4.max (f32x4.add (local.get $a13) (local.get $w3)) (local.get $s)))))
            (local.set $ot (i32.add (local.get $ot) (i32.const 16)))
            (br_if $ots (i32.lt_u (local.get $ot) (local.get $o))))
          (local.set $q (i32.add (local.get $q) (i32.const 2)))
          (br_if $tiles (i32.lt_u (local.get $q) (local.get $ow))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br_if $rs (i32.lt_u (local.get $r) (local.get $r1))))))

  ;; Dropout: out[i] = kept(i) ? u[i] * scale : 0 with src/train/ops/dropout-mask.ts's mask, four
  ;; lanes at a time: kept(i) = (mix(mix(i + k1) ^ k2) >> 8) < threshold, mix = lowbias32. n a multiple
  ;; of 4 (the JS side does the tail).
  (func $mix (param $x v128) (result v128)
    (local.set $x (v128.xor (local.get $x) (i32x4.shr_u (local.get $x) (i32.const 16))))
    (local.set $x (i32x4.mul (local.get $x) (v128.const i32x4 0x7feb352d 0x7feb352d 0x7feb352d 0x7feb352d)))
    (local.set $x (v128.xor (local.get $x) (i32x4.shr_u (local.get $x) (i32.const 15))))
    (local.set $x (i32x4.mul (local.get $x) (v128.const i32x4 0x846ca68b 0x846ca68b 0x846ca68b 0x846ca68b)))
    (v128.xor (local.get $x) (i32x4.shr_u (local.get $x) (i32.const 16))))
  (func (export "dropout") (param $out i32) (param $u i32) (param $n i32) (param $k1 i32) (param $k2 i32) (param $threshold i32) (param $scale f32)
    (local $i i32) (local $end i32) (local $idx v128) (local $h v128) (local $a v128) (local $b v128) (local $t v128) (local $s v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (if (i32.eqz (local.get $end)) (then (return)))
    (local.set $idx (v128.const i32x4 0 1 2 3))
    (local.set $a (i32x4.splat (local.get $k1)))
    (local.set $b (i32x4.splat (local.get $k2)))
    (local.set $t (i32x4.splat (local.get $threshold)))
    (local.set $s (f32x4.splat (local.get $scale)))
    (loop $elements
      (local.set $h (i32x4.shr_u (call $mix (v128.xor (call $mix (i32x4.add (local.get $idx) (local.get $a))) (local.get $b))) (i32.const 8)))
      (v128.store (i32.add (local.get $out) (local.get $i))
        (v128.and
          (f32x4.mul (v128.load (i32.add (local.get $u) (local.get $i))) (local.get $s))
          (i32x4.lt_u (local.get $h) (local.get $t))))
      (local.set $idx (i32x4.add (local.get $idx) (v128.const i32x4 4 4 4 4)))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br_if $elements (i32.lt_u (local.get $i) (local.get $end)))))

  ;; Adam for one variable (src/train/ops/adam.ts has the formula and the JS reference), in float32:
  ;; m' = b1 m + c1 g, v' = b2 v + c2 g^2, p' = p - lr m' inv1 / (sqrt(v' inv2) + eps). Four lanes at a
  ;; time, the last n % 4 elements one by one.
  (func (export "adam") (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $po i32) (param $mo i32) (param $vo i32) (param $n i32)
    (param $lr f32) (param $b1 f32) (param $b2 f32) (param $c1 f32) (param $c2 f32) (param $inv1 f32) (param $inv2 f32) (param $eps f32)
    (local $i i32) (local $end i32) (local $all i32)
    (local $gv v128) (local $mk v128) (local $vk v128)
    (local $gs f32) (local $ms f32) (local $vs f32)
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (local.set $all (i32.shl (local.get $n) (i32.const 2)))
    (if (i32.lt_u (local.get $i) (local.get $end))
      (then
        (loop $vec
          (local.set $gv (v128.load (i32.add (local.get $g) (local.get $i))))
          (local.set $mk (f32x4.add
            (f32x4.mul (f32x4.splat (local.get $b1)) (v128.load (i32.add (local.get $m) (local.get $i))))
            (f32x4.mul (f32x4.splat (local.get $c1)) (local.get $gv))))
          (local.set $vk (f32x4.add
            (f32x4.mul (f32x4.splat (local.get $b2)) (v128.load (i32.add (local.get $v) (local.get $i))))
            (f32x4.mul (f32x4.mul (f32x4.splat (local.get $c2)) (local.get $gv)) (local.get $gv))))
          (v128.store (i32.add (local.get $mo) (local.get $i)) (local.get $mk))
          (v128.store (i32.add (local.get $vo) (local.get $i)) (local.get $vk))
          (v128.store (i32.add (local.get $po) (local.get $i))
            (f32x4.sub
              (v128.load (i32.add (local.get $p) (local.get $i)))
              (f32x4.div
                (f32x4.mul (f32x4.mul (f32x4.splat (local.get $lr)) (local.get $mk)) (f32x4.splat (local.get $inv1)))
                (f32x4.add (f32x4.sqrt (f32x4.mul (local.get $vk) (f32x4.splat (local.get $inv2)))) (f32x4.splat (local.get $eps))))))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br_if $vec (i32.lt_u (local.get $i) (local.get $end))))))
    (block $done
      (loop $tail
        (br_if $done (i32.ge_u (local.get $i) (local.get $all)))
        (local.set $gs (f32.load (i32.add (local.get $g) (local.get $i))))
        (local.set $ms (f32.add (f32.mul (local.get $b1) (f32.load (i32.add (local.get $m) (local.get $i)))) (f32.mul (local.get $c1) (local.get $gs))))
        (local.set $vs (f32.add (f32.mul (local.get $b2) (f32.load (i32.add (local.get $v) (local.get $i)))) (f32.mul (f32.mul (local.get $c2) (local.get $gs)) (local.get $gs))))
        (f32.store (i32.add (local.get $mo) (local.get $i)) (local.get $ms))
        (f32.store (i32.add (local.get $vo) (local.get $i)) (local.get $vs))
        (f32.store (i32.add (local.get $po) (local.get $i))
          (f32.sub
            (f32.load (i32.add (local.get $p) (local.get $i)))
            (f32.div
              (f32.mul (f32.mul (local.get $lr) (local.get $ms)) (local.get $inv1))
              (f32.add (f32.sqrt (f32.mul (local.get $vs) (local.get $inv2))) (local.get $eps)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $tail))))

  ;; Strided block copy: for r < rows, v < cols, the run of `run` bytes (a multiple of 16) at
  ;; src + r * rowSrc + v * run goes to dst + r * rowDst + v * colDst. Conv2DBackpropInput interleaves its
  ;; stride phases into dx with it.
  (func (export "copyBlocks") (param $dst i32) (param $src i32) (param $rows i32) (param $rowDst i32) (param $rowSrc i32) (param $cols i32) (param $colDst i32) (param $run i32)
    (local $r i32) (local $v i32) (local $k i32) (local $d i32) (local $s i32)
    (block $done
      (br_if $done (i32.or (i32.or (i32.eqz (local.get $rows)) (i32.eqz (local.get $cols))) (i32.eqz (local.get $run))))
      (loop $rs
        (local.set $d (i32.add (local.get $dst) (i32.mul (local.get $r) (local.get $rowDst))))
        (local.set $s (i32.add (local.get $src) (i32.mul (local.get $r) (local.get $rowSrc))))
        (local.set $v (i32.const 0))
        (loop $vs
          (local.set $k (i32.const 0))
          (loop $ks
            (v128.store (i32.add (local.get $d) (local.get $k)) (v128.load (i32.add (local.get $s) (local.get $k))))
            (local.set $k (i32.add (local.get $k) (i32.const 16)))
            (br_if $ks (i32.lt_u (local.get $k) (local.get $run))))
          (local.set $d (i32.add (local.get $d) (local.get $colDst)))
          (local.set $s (i32.add (local.get $s) (local.get $run)))
          (local.set $v (i32.add (local.get $v) (i32.const 1)))
          (br_if $vs (i32.lt_u (local.get $v) (local.get $cols))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br_if $rs (i32.lt_u (local.get $r) (local.get $rows))))))
)
