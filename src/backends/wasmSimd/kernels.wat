;; The wasm backend's elementwise and row kernels in WebAssembly SIMD, run on tfjs-wasm's own heap: the module
;; imports the backend's memory, so the kernels read and write tensors where they lie. Pointers are byte
;; offsets into that memory. `npm run build:wasm-simd` assembles this file into kernelsWasm.ts.
;; Small steps used in inner loops (widening four float32 values to two float64 pairs, a round of PCG) are written
;; out at each use rather than called: V8 in Node 20 does not inline calls between wasm functions, and with such
;; helpers LayerNorm's gradient ran 7× slower (6.5 against 0.85 ms per [2048, 128] call, measured here).

(module
  (import "env" "memory" (memory 1))

  ;; ------------------------------------------------------------------------------------------------ AdamW
  ;; One AdamW step of n float32 values, in float32 and in the order of torch.optim.AdamW's single-tensor loop:
  ;;   g = grad·scale; p = p·decay; m = m + c1·(g − m); v = v·b2 + (c2·g)·g;
  ;;   p = p + negStep·(m / (√v / bc2 + eps)), with decay = 1 − lr·wd, c1 = 1 − β₁, c2 = 1 − β₂,
  ;;   bc2 = √(1 − β₂ᵗ) and negStep = −lr / (1 − β₁ᵗ).
  ;; m and v are updated in place; the new parameter goes to out (which may be p).
  (func $adamwOne (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $out i32)
        (param $scale f32) (param $decay f32) (param $c1 f32) (param $b2 f32) (param $c2 f32)
        (param $bc2 f32) (param $eps f32) (param $negStep f32)
    (local $gi f32) (local $mi f32) (local $vi f32)
    (local.set $gi (f32.mul (f32.load (local.get $g)) (local.get $scale)))
    (local.set $mi (f32.load (local.get $m)))
    (local.set $mi (f32.add (local.get $mi) (f32.mul (local.get $c1) (f32.sub (local.get $gi) (local.get $mi)))))
    (local.set $vi (f32.add (f32.mul (f32.load (local.get $v)) (local.get $b2))
                            (f32.mul (f32.mul (local.get $c2) (local.get $gi)) (local.get $gi))))
    (f32.store (local.get $m) (local.get $mi))
    (f32.store (local.get $v) (local.get $vi))
    (f32.store (local.get $out)
      (f32.add (f32.mul (f32.load (local.get $p)) (local.get $decay))
               (f32.mul (local.get $negStep)
                        (f32.div (local.get $mi)
                                 (f32.add (f32.div (f32.sqrt (local.get $vi)) (local.get $bc2)) (local.get $eps)))))))

  (func (export "adamw") (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $out i32) (param $n i32)
        (param $scale f32) (param $decay f32) (param $c1 f32) (param $b2 f32) (param $c2 f32)
        (param $bc2 f32) (param $eps f32) (param $negStep f32)
    (local $o i32) (local $end i32)
    (local $vs v128) (local $vd v128) (local $vc1 v128) (local $vb2 v128) (local $vc2 v128)
    (local $vbc2 v128) (local $veps v128) (local $vstep v128)
    (local $gi v128) (local $mi v128) (local $vi v128)
    (local.set $vs (f32x4.splat (local.get $scale)))
    (local.set $vd (f32x4.splat (local.get $decay)))
    (local.set $vc1 (f32x4.splat (local.get $c1)))
    (local.set $vb2 (f32x4.splat (local.get $b2)))
    (local.set $vc2 (f32x4.splat (local.get $c2)))
    (local.set $vbc2 (f32x4.splat (local.get $bc2)))
    (local.set $veps (f32x4.splat (local.get $eps)))
    (local.set $vstep (f32x4.splat (local.get $negStep)))
    ;; byte offsets: four values (16 bytes) per pass, then one at a time
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $four
        (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
        (local.set $gi (f32x4.mul (v128.load (i32.add (local.get $g) (local.get $o))) (local.get $vs)))
        (local.set $mi (v128.load (i32.add (local.get $m) (local.get $o))))
        (local.set $mi (f32x4.add (local.get $mi) (f32x4.mul (local.get $vc1) (f32x4.sub (local.get $gi) (local.get $mi)))))
        (local.set $vi (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $o))) (local.get $vb2))
                                  (f32x4.mul (f32x4.mul (local.get $vc2) (local.get $gi)) (local.get $gi))))
        (v128.store (i32.add (local.get $m) (local.get $o)) (local.get $mi))
        (v128.store (i32.add (local.get $v) (local.get $o)) (local.get $vi))
        (v128.store (i32.add (local.get $out) (local.get $o))
          (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $p) (local.get $o))) (local.get $vd))
                     (f32x4.mul (local.get $vstep)
                                (f32x4.div (local.get $mi)
                                           (f32x4.add (f32x4.div (f32x4.sqrt (local.get $vi)) (local.get $vbc2)) (local.get $veps))))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $four)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $tailDone
      (loop $one
        (br_if $tailDone (i32.ge_u (local.get $o) (local.get $end)))
        (call $adamwOne (i32.add (local.get $p) (local.get $o)) (i32.add (local.get $g) (local.get $o))
                        (i32.add (local.get $m) (local.get $o)) (i32.add (local.get $v) (local.get $o))
                        (i32.add (local.get $out) (local.get $o))
                        (local.get $scale) (local.get $decay) (local.get $c1) (local.get $b2) (local.get $c2)
                        (local.get $bc2) (local.get $eps) (local.get $negStep))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $one))))

  ;; ------------------------------------------------------------------------------------- sum of squares
  ;; Σ x² over n float32 values, each square and the sums in float64 (two pairs of partial sums).
  (func (export "sumOfSquares") (param $x i32) (param $n i32) (result f64)
    (local $o i32) (local $end i32) (local $a v128) (local $b v128) (local $t v128) (local $s f64) (local $xi f64)
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $four
        (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
        (local.set $t (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $x) (local.get $o)))))
        (local.set $a (f64x2.add (local.get $a) (f64x2.mul (local.get $t) (local.get $t))))
        (local.set $t (f64x2.promote_low_f32x4 (v128.load64_zero offset=8 (i32.add (local.get $x) (local.get $o)))))
        (local.set $b (f64x2.add (local.get $b) (f64x2.mul (local.get $t) (local.get $t))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $four)))
    (local.set $a (f64x2.add (local.get $a) (local.get $b)))
    (local.set $s (f64.add (f64x2.extract_lane 0 (local.get $a)) (f64x2.extract_lane 1 (local.get $a))))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $tailDone
      (loop $one
        (br_if $tailDone (i32.ge_u (local.get $o) (local.get $end)))
        (local.set $xi (f64.promote_f32 (f32.load (i32.add (local.get $x) (local.get $o)))))
        (local.set $s (f64.add (local.get $s) (f64.mul (local.get $xi) (local.get $xi))))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (br $one)))
    (local.get $s))

  ;; ------------------------------------------------------------------------------------ LayerNorm's gradient
  ;; [dx, dgamma, dbeta] of y = x̂·γ + β over rows of h values (h a multiple of 4), x̂ = (x − mean)·rstd, in
  ;; float64:  dx = (dy·γ − mean(dy·γ) − x̂·mean(dy·γ·x̂))·rstd;  dγ = Σ_rows dy·x̂;  dβ = Σ_rows dy.
  ;; scratch: 24·h bytes, 8-byte aligned (float64 sums of dγ and dβ, and the row's x̂).
  ;; Four values per pass: one f32x4 load widened into two f64x2 halves, with a partial sum for each half.
  (func (export "layerNormGrad") (param $x i32) (param $gamma i32) (param $dy i32) (param $dx i32)
        (param $dgamma i32) (param $dbeta i32) (param $rows i32) (param $h i32) (param $eps f64) (param $scratch i32)
    (local $accG i32) (local $accB i32) (local $xhat i32) (local $r i32) (local $xRow i32) (local $dyRow i32)
    (local $dxRow i32) (local $j i32) (local $j8 i32) (local $rowBytes i32) (local $hf f64)
    (local $mean v128) (local $rstd v128) (local $m1 v128) (local $m2 v128)
    (local $sa v128) (local $sb v128) (local $ta v128) (local $tb v128)
    (local $v v128) (local $xl v128) (local $xh v128) (local $dl v128) (local $dh v128) (local $pl v128) (local $ph v128)
    (local.set $accG (local.get $scratch))
    (local.set $accB (i32.add (local.get $scratch) (i32.shl (local.get $h) (i32.const 3))))
    (local.set $xhat (i32.add (local.get $scratch) (i32.shl (local.get $h) (i32.const 4))))
    (memory.fill (local.get $scratch) (i32.const 0) (i32.shl (local.get $h) (i32.const 4)))
    (local.set $hf (f64.convert_i32_u (local.get $h)))
    (local.set $rowBytes (i32.shl (local.get $h) (i32.const 2)))
    (block $rowsDone
      (loop $eachRow
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $xRow (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $rowBytes))))
        (local.set $dyRow (i32.add (local.get $dy) (i32.mul (local.get $r) (local.get $rowBytes))))
        (local.set $dxRow (i32.add (local.get $dx) (i32.mul (local.get $r) (local.get $rowBytes))))
        ;; mean
        (local.set $sa (v128.const i64x2 0 0))
        (local.set $sb (v128.const i64x2 0 0))
        (local.set $j (i32.const 0))
        (block $b1 (loop $l1
          (br_if $b1 (i32.ge_u (local.get $j) (local.get $rowBytes)))
          (local.set $v (v128.load (i32.add (local.get $xRow) (local.get $j))))
          (local.set $sa (f64x2.add (local.get $sa) (f64x2.promote_low_f32x4 (local.get $v))))
          (local.set $sb (f64x2.add (local.get $sb) (f64x2.promote_low_f32x4
            (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $l1)))
        (local.set $sa (f64x2.add (local.get $sa) (local.get $sb)))
        (local.set $mean (f64x2.splat (f64.div (f64.add (f64x2.extract_lane 0 (local.get $sa)) (f64x2.extract_lane 1 (local.get $sa)))
                                               (local.get $hf))))
        ;; biased variance, then rstd = 1/√(var + eps)
        (local.set $sa (v128.const i64x2 0 0))
        (local.set $sb (v128.const i64x2 0 0))
        (local.set $j (i32.const 0))
        (block $b2 (loop $l2
          (br_if $b2 (i32.ge_u (local.get $j) (local.get $rowBytes)))
          (local.set $v (v128.load (i32.add (local.get $xRow) (local.get $j))))
          (local.set $xl (f64x2.sub (f64x2.promote_low_f32x4 (local.get $v)) (local.get $mean)))
          (local.set $xh (f64x2.sub (f64x2.promote_low_f32x4
            (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))) (local.get $mean)))
          (local.set $sa (f64x2.add (local.get $sa) (f64x2.mul (local.get $xl) (local.get $xl))))
          (local.set $sb (f64x2.add (local.get $sb) (f64x2.mul (local.get $xh) (local.get $xh))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $l2)))
        (local.set $sa (f64x2.add (local.get $sa) (local.get $sb)))
        (local.set $rstd (f64x2.splat (f64.div (f64.const 1) (f64.sqrt (f64.add
          (f64.div (f64.add (f64x2.extract_lane 0 (local.get $sa)) (f64x2.extract_lane 1 (local.get $sa))) (local.get $hf))
          (local.get $eps))))))
        ;; x̂, Σ dy·γ, Σ dy·γ·x̂, and the column sums of dγ and dβ
        (local.set $sa (v128.const i64x2 0 0))
        (local.set $sb (v128.const i64x2 0 0))
        (local.set $ta (v128.const i64x2 0 0))
        (local.set $tb (v128.const i64x2 0 0))
        (local.set $j (i32.const 0))
        (block $b3 (loop $l3
          (br_if $b3 (i32.ge_u (local.get $j) (local.get $rowBytes)))
          (local.set $j8 (i32.shl (local.get $j) (i32.const 1)))
          (local.set $v (v128.load (i32.add (local.get $xRow) (local.get $j))))
          (local.set $xl (f64x2.mul (f64x2.sub (f64x2.promote_low_f32x4 (local.get $v)) (local.get $mean)) (local.get $rstd)))
          (local.set $xh (f64x2.mul (f64x2.sub (f64x2.promote_low_f32x4
            (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))) (local.get $mean)) (local.get $rstd)))
          (local.set $v (v128.load (i32.add (local.get $dyRow) (local.get $j))))
          (local.set $dl (f64x2.promote_low_f32x4 (local.get $v)))
          (local.set $dh (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
          (local.set $v (v128.load (i32.add (local.get $gamma) (local.get $j))))
          (local.set $pl (f64x2.mul (local.get $dl) (f64x2.promote_low_f32x4 (local.get $v))))
          (local.set $ph (f64x2.mul (local.get $dh) (f64x2.promote_low_f32x4
            (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
          (v128.store (i32.add (local.get $xhat) (local.get $j8)) (local.get $xl))
          (v128.store offset=16 (i32.add (local.get $xhat) (local.get $j8)) (local.get $xh))
          (local.set $sa (f64x2.add (local.get $sa) (local.get $pl)))
          (local.set $sb (f64x2.add (local.get $sb) (local.get $ph)))
          (local.set $ta (f64x2.add (local.get $ta) (f64x2.mul (local.get $pl) (local.get $xl))))
          (local.set $tb (f64x2.add (local.get $tb) (f64x2.mul (local.get $ph) (local.get $xh))))
          (v128.store (i32.add (local.get $accG) (local.get $j8))
            (f64x2.add (v128.load (i32.add (local.get $accG) (local.get $j8))) (f64x2.mul (local.get $dl) (local.get $xl))))
          (v128.store offset=16 (i32.add (local.get $accG) (local.get $j8))
            (f64x2.add (v128.load offset=16 (i32.add (local.get $accG) (local.get $j8))) (f64x2.mul (local.get $dh) (local.get $xh))))
          (v128.store (i32.add (local.get $accB) (local.get $j8))
            (f64x2.add (v128.load (i32.add (local.get $accB) (local.get $j8))) (local.get $dl)))
          (v128.store offset=16 (i32.add (local.get $accB) (local.get $j8))
            (f64x2.add (v128.load offset=16 (i32.add (local.get $accB) (local.get $j8))) (local.get $dh)))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $l3)))
        (local.set $sa (f64x2.add (local.get $sa) (local.get $sb)))
        (local.set $ta (f64x2.add (local.get $ta) (local.get $tb)))
        (local.set $m1 (f64x2.splat (f64.div (f64.add (f64x2.extract_lane 0 (local.get $sa)) (f64x2.extract_lane 1 (local.get $sa))) (local.get $hf))))
        (local.set $m2 (f64x2.splat (f64.div (f64.add (f64x2.extract_lane 0 (local.get $ta)) (f64x2.extract_lane 1 (local.get $ta))) (local.get $hf))))
        ;; dx, each group of four rounded to float32 and stored at once
        (local.set $j (i32.const 0))
        (block $b4 (loop $l4
          (br_if $b4 (i32.ge_u (local.get $j) (local.get $rowBytes)))
          (local.set $j8 (i32.shl (local.get $j) (i32.const 1)))
          (local.set $v (v128.load (i32.add (local.get $dyRow) (local.get $j))))
          (local.set $dl (f64x2.promote_low_f32x4 (local.get $v)))
          (local.set $dh (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
          (local.set $v (v128.load (i32.add (local.get $gamma) (local.get $j))))
          (local.set $pl (f64x2.mul (local.get $dl) (f64x2.promote_low_f32x4 (local.get $v))))
          (local.set $ph (f64x2.mul (local.get $dh) (f64x2.promote_low_f32x4
            (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
          (local.set $pl (f64x2.mul (f64x2.sub (f64x2.sub (local.get $pl) (local.get $m1))
                                               (f64x2.mul (v128.load (i32.add (local.get $xhat) (local.get $j8))) (local.get $m2)))
                                    (local.get $rstd)))
          (local.set $ph (f64x2.mul (f64x2.sub (f64x2.sub (local.get $ph) (local.get $m1))
                                               (f64x2.mul (v128.load offset=16 (i32.add (local.get $xhat) (local.get $j8))) (local.get $m2)))
                                    (local.get $rstd)))
          (v128.store (i32.add (local.get $dxRow) (local.get $j))
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero (local.get $pl)) (f32x4.demote_f64x2_zero (local.get $ph))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $l4)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $eachRow)))
    ;; dγ and dβ, each rounded once to float32
    (local.set $j (i32.const 0))
    (block $b5 (loop $l5
      (br_if $b5 (i32.ge_u (local.get $j) (local.get $rowBytes)))
      (local.set $j8 (i32.shl (local.get $j) (i32.const 1)))
      (v128.store (i32.add (local.get $dgamma) (local.get $j))
        (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (f32x4.demote_f64x2_zero (v128.load (i32.add (local.get $accG) (local.get $j8))))
          (f32x4.demote_f64x2_zero (v128.load offset=16 (i32.add (local.get $accG) (local.get $j8))))))
      (v128.store (i32.add (local.get $dbeta) (local.get $j))
        (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (f32x4.demote_f64x2_zero (v128.load (i32.add (local.get $accB) (local.get $j8))))
          (f32x4.demote_f64x2_zero (v128.load offset=16 (i32.add (local.get $accB) (local.get $j8))))))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $l5))))

  ;; ------------------------------------------------------------------------------------------------ row sums
  ;; out[j] = Σ_rows x[r, j] over x [rows, h] (h a multiple of 4), in float64, rounded once: four rows at a time,
  ;; ((x₀ + x₁) + (x₂ + x₃)) added to the running sum, the order of host/sumRows.ts's loop (so the same bits).
  ;; scratch: 8·h bytes (the float64 sums).
  (func (export "sumRows") (param $x i32) (param $rows i32) (param $h i32) (param $out i32) (param $scratch i32)
    (local $rowBytes i32) (local $r i32) (local $a i32) (local $j i32) (local $j8 i32)
    (local $va v128) (local $vb v128) (local $vc v128) (local $vd v128)
    (local.set $rowBytes (i32.shl (local.get $h) (i32.const 2)))
    (memory.fill (local.get $scratch) (i32.const 0) (i32.shl (local.get $h) (i32.const 3)))
    (block $groupsDone
      (loop $group
        (br_if $groupsDone (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $rows)))
        (local.set $a (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $rowBytes))))
        (local.set $j (i32.const 0))
        (block $b (loop $l
          (br_if $b (i32.ge_u (local.get $j) (local.get $rowBytes)))
          (local.set $j8 (i32.add (local.get $scratch) (i32.shl (local.get $j) (i32.const 1))))
          (local.set $va (v128.load (i32.add (local.get $a) (local.get $j))))
          (local.set $vb (v128.load (i32.add (i32.add (local.get $a) (local.get $rowBytes)) (local.get $j))))
          (local.set $vc (v128.load (i32.add (i32.add (local.get $a) (i32.shl (local.get $rowBytes) (i32.const 1))) (local.get $j))))
          (local.set $vd (v128.load (i32.add (i32.add (local.get $a) (i32.mul (local.get $rowBytes) (i32.const 3))) (local.get $j))))
          (v128.store (local.get $j8) (f64x2.add (v128.load (local.get $j8))
            (f64x2.add (f64x2.add (f64x2.promote_low_f32x4 (local.get $va)) (f64x2.promote_low_f32x4 (local.get $vb)))
                       (f64x2.add (f64x2.promote_low_f32x4 (local.get $vc)) (f64x2.promote_low_f32x4 (local.get $vd))))))
          (local.set $va (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $va) (local.get $va)))
          (local.set $vb (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $vb) (local.get $vb)))
          (local.set $vc (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $vc) (local.get $vc)))
          (local.set $vd (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $vd) (local.get $vd)))
          (v128.store offset=16 (local.get $j8) (f64x2.add (v128.load offset=16 (local.get $j8))
            (f64x2.add (f64x2.add (f64x2.promote_low_f32x4 (local.get $va)) (f64x2.promote_low_f32x4 (local.get $vb)))
                       (f64x2.add (f64x2.promote_low_f32x4 (local.get $vc)) (f64x2.promote_low_f32x4 (local.get $vd))))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $l)))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $group)))
    ;; the last rows one at a time
    (block $restDone
      (loop $rest
        (br_if $restDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $a (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $rowBytes))))
        (local.set $j (i32.const 0))
        (block $b2 (loop $l2
          (br_if $b2 (i32.ge_u (local.get $j) (local.get $rowBytes)))
          (local.set $j8 (i32.add (local.get $scratch) (i32.shl (local.get $j) (i32.const 1))))
          (local.set $va (v128.load (i32.add (local.get $a) (local.get $j))))
          (v128.store (local.get $j8) (f64x2.add (v128.load (local.get $j8)) (f64x2.promote_low_f32x4 (local.get $va))))
          (v128.store offset=16 (local.get $j8) (f64x2.add (v128.load offset=16 (local.get $j8))
            (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $va) (local.get $va)))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $l2)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rest)))
    (local.set $j (i32.const 0))
    (block $b3 (loop $l3
      (br_if $b3 (i32.ge_u (local.get $j) (local.get $rowBytes)))
      (local.set $j8 (i32.add (local.get $scratch) (i32.shl (local.get $j) (i32.const 1))))
      (v128.store (i32.add (local.get $out) (local.get $j))
        (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (f32x4.demote_f64x2_zero (v128.load (local.get $j8)))
          (f32x4.demote_f64x2_zero (v128.load offset=16 (local.get $j8)))))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $l3))))

  ;; ------------------------------------------------------------------------------------ softmax's gradient
  ;; out = scale·P⊙(dP − Σⱼ P⊙dP) per row of n values (n a multiple of 4), in float64, each value rounded once:
  ;; host/softmaxGrad.ts's arithmetic, its row sum taken in two pairs of partial sums.
  (func (export "softmaxGrad") (param $p i32) (param $d i32) (param $out i32) (param $rows i32) (param $n i32) (param $scale f64)
    (local $rowBytes i32) (local $end i32) (local $o i32) (local $rowStart i32)
    (local $sa v128) (local $sb v128) (local $sum v128) (local $vs v128)
    (local $vp v128) (local $vd v128) (local $lo v128) (local $hi v128)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 2)))
    (local.set $end (i32.mul (local.get $rows) (local.get $rowBytes)))
    (local.set $vs (f64x2.splat (local.get $scale)))
    (block $rowsDone
      (loop $eachRow
        (br_if $rowsDone (i32.ge_u (local.get $rowStart) (local.get $end)))
        (local.set $sa (v128.const i64x2 0 0))
        (local.set $sb (v128.const i64x2 0 0))
        (local.set $o (local.get $rowStart))
        (block $b1 (loop $l1
          (br_if $b1 (i32.ge_u (local.get $o) (i32.add (local.get $rowStart) (local.get $rowBytes))))
          (local.set $vp (v128.load (i32.add (local.get $p) (local.get $o))))
          (local.set $vd (v128.load (i32.add (local.get $d) (local.get $o))))
          (local.set $sa (f64x2.add (local.get $sa) (f64x2.mul (f64x2.promote_low_f32x4 (local.get $vp)) (f64x2.promote_low_f32x4 (local.get $vd)))))
          (local.set $sb (f64x2.add (local.get $sb) (f64x2.mul
            (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $vp) (local.get $vp)))
            (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $vd) (local.get $vd))))))
          (local.set $o (i32.add (local.get $o) (i32.const 16)))
          (br $l1)))
        (local.set $sa (f64x2.add (local.get $sa) (local.get $sb)))
        (local.set $sum (f64x2.splat (f64.add (f64x2.extract_lane 0 (local.get $sa)) (f64x2.extract_lane 1 (local.get $sa)))))
        (local.set $o (local.get $rowStart))
        (block $b2 (loop $l2
          (br_if $b2 (i32.ge_u (local.get $o) (i32.add (local.get $rowStart) (local.get $rowBytes))))
          (local.set $vp (v128.load (i32.add (local.get $p) (local.get $o))))
          (local.set $vd (v128.load (i32.add (local.get $d) (local.get $o))))
          (local.set $lo (f64x2.mul (f64x2.mul (f64x2.promote_low_f32x4 (local.get $vp))
                                               (f64x2.sub (f64x2.promote_low_f32x4 (local.get $vd)) (local.get $sum)))
                                    (local.get $vs)))
          (local.set $hi (f64x2.mul (f64x2.mul (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $vp) (local.get $vp)))
                                               (f64x2.sub (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $vd) (local.get $vd)))
                                                          (local.get $sum)))
                                    (local.get $vs)))
          (v128.store (i32.add (local.get $out) (local.get $o))
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (f32x4.demote_f64x2_zero (local.get $lo)) (f32x4.demote_f64x2_zero (local.get $hi))))
          (local.set $o (i32.add (local.get $o) (i32.const 16)))
          (br $l2)))
        (local.set $rowStart (i32.add (local.get $rowStart) (local.get $rowBytes)))
        (br $eachRow))))

  ;; --------------------------------------------------------------------------------------- attention heads
  ;; host/heads.ts's layouts as row copies of dh float32 values (dh a multiple of 4), 16 bytes at a time.
  ;;   splitHeads: x [B·S, P·nh·dh] → P tensors [B·nh, S, dh] (P ≤ 3: out0, out1, out2);
  ;;   mergeHeads: x [P, B·nh, S, dh] → [B·S, P·nh·dh].
  (func $copyRow (param $from i32) (param $to i32) (param $bytes i32)
    (local $o i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $o) (local.get $bytes)))
      (v128.store (i32.add (local.get $to) (local.get $o)) (v128.load (i32.add (local.get $from) (local.get $o))))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $l))))

  (func $heads (param $x i32) (param $out0 i32) (param $out1 i32) (param $out2 i32)
        (param $B i32) (param $S i32) (param $parts i32) (param $nh i32) (param $dh i32) (param $merge i32)
    (local $b i32) (local $t i32) (local $p i32) (local $h i32) (local $part i32)
    (local $rowBytes i32) (local $width i32) (local $wide i32) (local $narrow i32)
    (local.set $rowBytes (i32.shl (local.get $dh) (i32.const 2)))
    (local.set $width (i32.mul (i32.mul (local.get $parts) (local.get $nh)) (local.get $dh)))
    (block $bDone (loop $bLoop
      (br_if $bDone (i32.ge_u (local.get $b) (local.get $B)))
      (local.set $t (i32.const 0))
      (block $tDone (loop $tLoop
        (br_if $tDone (i32.ge_u (local.get $t) (local.get $S)))
        (local.set $p (i32.const 0))
        (block $pDone (loop $pLoop
          (br_if $pDone (i32.ge_u (local.get $p) (local.get $parts)))
          ;; the [B·nh, S, dh] side: part p's own tensor (split) or its slice of x (merge)
          (local.set $part (if (result i32) (local.get $merge)
            (then (i32.add (local.get $x) (i32.shl (i32.mul (i32.mul (i32.mul (local.get $p) (local.get $B)) (local.get $nh))
                                                            (i32.mul (local.get $S) (local.get $dh))) (i32.const 2))))
            (else (select (local.get $out0) (select (local.get $out1) (local.get $out2) (i32.eq (local.get $p) (i32.const 1)))
                          (i32.eqz (local.get $p))))))
          (local.set $h (i32.const 0))
          (block $hDone (loop $hLoop
            (br_if $hDone (i32.ge_u (local.get $h) (local.get $nh)))
            ;; byte offsets of the row in [B·S, P·nh·dh] and in [B·nh, S, dh]
            (local.set $wide (i32.shl (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $S)) (local.get $t)) (local.get $width))
                                               (i32.mul (i32.add (i32.mul (local.get $p) (local.get $nh)) (local.get $h)) (local.get $dh)))
                                      (i32.const 2)))
            (local.set $narrow (i32.add (local.get $part)
              (i32.shl (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $nh)) (local.get $h)) (local.get $S)) (local.get $t))
                                (local.get $dh))
                       (i32.const 2))))
            (if (local.get $merge)
              (then (call $copyRow (local.get $narrow) (i32.add (local.get $out0) (local.get $wide)) (local.get $rowBytes)))
              (else (call $copyRow (i32.add (local.get $x) (local.get $wide)) (local.get $narrow) (local.get $rowBytes))))
            (local.set $h (i32.add (local.get $h) (i32.const 1)))
            (br $hLoop)))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br $pLoop)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $tLoop)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bLoop))))

  (func (export "splitHeads") (param $x i32) (param $out0 i32) (param $out1 i32) (param $out2 i32)
        (param $B i32) (param $S i32) (param $parts i32) (param $nh i32) (param $dh i32)
    (call $heads (local.get $x) (local.get $out0) (local.get $out1) (local.get $out2)
                 (local.get $B) (local.get $S) (local.get $parts) (local.get $nh) (local.get $dh) (i32.const 0)))

  (func (export "mergeHeads") (param $x i32) (param $out i32)
        (param $B i32) (param $S i32) (param $parts i32) (param $nh i32) (param $dh i32)
    (call $heads (local.get $x) (local.get $out) (i32.const 0) (i32.const 0)
                 (local.get $B) (local.get $S) (local.get $parts) (local.get $nh) (local.get $dh) (i32.const 1)))

  ;; ------------------------------------------------------------------------------------------------ embeddings
  ;; host/embedding.ts's kernels for rows of h float32 values (h a multiple of 4), ids already checked in range:
  ;;   embeddingLookup: out[i] = table[ids[i]];
  ;;   embeddingGrad:   out = 0, then out[ids[i]] += dy[i] in the order of the ids (float32 additions, the same
  ;;                    bits as the JavaScript loop's: a sum of two float32 values rounded through float64 is
  ;;                    the float32 sum).
  (func (export "embeddingLookup") (param $table i32) (param $ids i32) (param $n i32) (param $h i32) (param $out i32)
    (local $i i32) (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (local.get $h) (i32.const 2)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (call $copyRow (i32.add (local.get $table) (i32.mul (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2))))
                                                          (local.get $rowBytes)))
                     (i32.add (local.get $out) (i32.mul (local.get $i) (local.get $rowBytes)))
                     (local.get $rowBytes))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l))))

  (func (export "embeddingGrad") (param $ids i32) (param $dy i32) (param $n i32) (param $h i32) (param $rows i32) (param $out i32)
    (local $i i32) (local $o i32) (local $rowBytes i32) (local $to i32) (local $from i32)
    (local.set $rowBytes (i32.shl (local.get $h) (i32.const 2)))
    (memory.fill (local.get $out) (i32.const 0) (i32.mul (local.get $rows) (local.get $rowBytes)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $to (i32.add (local.get $out) (i32.mul (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2))))
                                                        (local.get $rowBytes))))
      (local.set $from (i32.add (local.get $dy) (i32.mul (local.get $i) (local.get $rowBytes))))
      (local.set $o (i32.const 0))
      (block $rowDone (loop $row
        (br_if $rowDone (i32.ge_u (local.get $o) (local.get $rowBytes)))
        (v128.store (i32.add (local.get $to) (local.get $o))
          (f32x4.add (v128.load (i32.add (local.get $to) (local.get $o))) (v128.load (i32.add (local.get $from) (local.get $o)))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $row)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l))))

  ;; -------------------------------------------------------------------------------------------- dropout mask
  ;; src/models/dropout.ts's mask, bit for bit: element i is `keep` when pcg(pcg(i + offset) ^ seed) ≥ threshold
  ;; (unsigned), else 0, with offset = pcg(seed). PCG's output shift is by a per-element amount
  ;; s = (state >> 28) + 4, which SIMD shifts (one amount per vector) cannot take: state >> s is computed as the
  ;; upper half of the 64-bit product state·2^(32−s), with 2^(32−s) made from a float32's exponent bits.
  (func $pcg (param $v i32) (result i32)
    (local $st i32) (local $w i32)
    (local.set $st (i32.add (i32.mul (local.get $v) (i32.const 747796405)) (i32.const -1403630843)))
    (local.set $w (i32.mul (i32.xor (i32.shr_u (local.get $st) (i32.add (i32.shr_u (local.get $st) (i32.const 28)) (i32.const 4)))
                                    (local.get $st))
                           (i32.const 277803737)))
    (i32.xor (i32.shr_u (local.get $w) (i32.const 22)) (local.get $w)))

  (func (export "dropoutMask") (param $out i32) (param $n i32) (param $threshold i32) (param $keep f32) (param $seed i32)
    (local $offset i32) (local $i i32) (local $end i32) (local $idx v128) (local $vseed v128) (local $vth v128) (local $vkeep v128)
    (local $st v128) (local $pow v128) (local $w v128)
    (local.set $offset (call $pcg (local.get $seed)))
    (local.set $idx (i32x4.add (i32x4.splat (local.get $offset)) (v128.const i32x4 0 1 2 3)))
    (local.set $vseed (i32x4.splat (local.get $seed)))
    (local.set $vth (i32x4.splat (local.get $threshold)))
    (local.set $vkeep (f32x4.splat (local.get $keep)))
    (local.set $end (i32.and (local.get $n) (i32.const -4)))
    (block $done
      (loop $four
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $w (local.get $idx))
        ;; pcg, four lanes (round 1): 2^k with k = 32 − s = 28 − (state >> 28), as the float32 whose exponent field
        ;; is k + 127, converted to an integer; then the upper halves of state·2^k
        (local.set $st (i32x4.add (i32x4.mul (local.get $w) (i32x4.splat (i32.const 747796405))) (i32x4.splat (i32.const -1403630843))))
        (local.set $pow (i32x4.trunc_sat_f32x4_u
          (i32x4.shl (i32x4.sub (i32x4.splat (i32.const 155)) (i32x4.shr_u (local.get $st) (i32.const 28))) (i32.const 23))))
        (local.set $w (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
          (i64x2.extmul_low_i32x4_u (local.get $st) (local.get $pow))
          (i64x2.extmul_high_i32x4_u (local.get $st) (local.get $pow))))
        (local.set $w (i32x4.mul (v128.xor (local.get $w) (local.get $st)) (i32x4.splat (i32.const 277803737))))
        (local.set $w (v128.xor (i32x4.shr_u (local.get $w) (i32.const 22)) (local.get $w)))
        (local.set $w (v128.xor (local.get $w) (local.get $vseed)))
        ;; pcg, four lanes (round 2)
        (local.set $st (i32x4.add (i32x4.mul (local.get $w) (i32x4.splat (i32.const 747796405))) (i32x4.splat (i32.const -1403630843))))
        (local.set $pow (i32x4.trunc_sat_f32x4_u
          (i32x4.shl (i32x4.sub (i32x4.splat (i32.const 155)) (i32x4.shr_u (local.get $st) (i32.const 28))) (i32.const 23))))
        (local.set $w (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31
          (i64x2.extmul_low_i32x4_u (local.get $st) (local.get $pow))
          (i64x2.extmul_high_i32x4_u (local.get $st) (local.get $pow))))
        (local.set $w (i32x4.mul (v128.xor (local.get $w) (local.get $st)) (i32x4.splat (i32.const 277803737))))
        (local.set $w (v128.xor (i32x4.shr_u (local.get $w) (i32.const 22)) (local.get $w)))
        (v128.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
          (v128.and (local.get $vkeep) (i32x4.ge_u (local.get $w) (local.get $vth))))
        (local.set $idx (i32x4.add (local.get $idx) (i32x4.splat (i32.const 4))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $four)))
    (block $tailDone
      (loop $one
        (br_if $tailDone (i32.ge_u (local.get $i) (local.get $n)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
          (select (local.get $keep) (f32.const 0)
            (i32.ge_u (call $pcg (i32.xor (call $pcg (i32.add (local.get $i) (local.get $offset))) (local.get $seed))) (local.get $threshold))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $one))))
)
