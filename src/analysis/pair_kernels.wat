;; Pair kernels for topographic similarity, in WebAssembly with 128-bit SIMD.
;; Compiled by build_kernels.ts into kernels_wasm.ts (the bytes); tests/topsim_test.ts checks they agree.
;; All pointers are byte offsets into the imported memory.
(module
  (import "env" "memory" (memory 1))

  ;; Cosine distance between rows i and j of x (n x dim, f64, row-major), term by term as scipy's
  ;; pdist_cosine: dot accumulated in index order, c = dot / (norm_i * norm_j), clipped, 1 - c.
  (func $cosine_pair (param $x i32) (param $dim i32) (param $norms i32) (param $i i32) (param $j i32)
                     (result f64)
    (local $u i32) (local $v i32) (local $end i32) (local $dot f64) (local $c f64)
    (local.set $u (i32.add (local.get $x) (i32.shl (i32.mul (local.get $i) (local.get $dim)) (i32.const 3))))
    (local.set $v (i32.add (local.get $x) (i32.shl (i32.mul (local.get $j) (local.get $dim)) (i32.const 3))))
    (local.set $end (i32.add (local.get $u) (i32.shl (local.get $dim) (i32.const 3))))
    (block $done
      (loop $k
        (br_if $done (i32.ge_u (local.get $u) (local.get $end)))
        (local.set $dot (f64.add (local.get $dot) (f64.mul (f64.load (local.get $u)) (f64.load (local.get $v)))))
        (local.set $u (i32.add (local.get $u) (i32.const 8)))
        (local.set $v (i32.add (local.get $v) (i32.const 8)))
        (br $k)))
    (local.set $c
      (f64.div (local.get $dot)
        (f64.mul (f64.load (i32.add (local.get $norms) (i32.shl (local.get $i) (i32.const 3))))
                 (f64.load (i32.add (local.get $norms) (i32.shl (local.get $j) (i32.const 3)))))))
    (if (f64.gt (f64.abs (local.get $c)) (f64.const 1))
      (then (local.set $c (f64.copysign (f64.const 1) (local.get $c)))))
    (f64.sub (f64.const 1) (local.get $c)))

  ;; Cosine distances from row i to rows from .. to-1 (from > i), written in order from out (f64).
  ;; panels holds the rows in groups of 8, each group dim x 8 (k-major), so that 8 or 16 pairs advance
  ;; together, each pair in its own accumulator lane and still in scipy's summation order.
  (func (export "cosine_tile")
        (param $i i32) (param $from i32) (param $to i32) (param $dim i32)
        (param $x i32) (param $panels i32) (param $norms i32) (param $out i32)
    (local $j i32) (local $stop i32) (local $k i32) (local $p i32) (local $q i32) (local $u i32)
    (local $o i32) (local $nj i32) (local $group i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128) (local $uk v128) (local $ni v128)
    (local.set $group (i32.shl (local.get $dim) (i32.const 6)))
    (local.set $ni (f64x2.splat (f64.load (i32.add (local.get $norms) (i32.shl (local.get $i) (i32.const 3))))))
    ;; scalar pairs up to the next multiple of 8
    (local.set $j (local.get $from))
    (local.set $stop (i32.and (i32.add (local.get $j) (i32.const 7)) (i32.const -8)))
    (if (i32.gt_u (local.get $stop) (local.get $to)) (then (local.set $stop (local.get $to))))
    (call $scalar_pairs (local.get $i) (local.get $j) (local.get $stop)
      (local.get $x) (local.get $dim) (local.get $norms) (local.get $out))
    (local.set $o (i32.add (local.get $out) (i32.shl (i32.sub (local.get $stop) (local.get $j)) (i32.const 3))))
    (local.set $j (local.get $stop))
    ;; 16 pairs at a time: two panel groups, eight accumulators
    (block $wide_done
      (loop $wide
        (br_if $wide_done (i32.gt_u (i32.add (local.get $j) (i32.const 16)) (local.get $to)))
        (local.set $a0 (v128.const f64x2 0 0))
        (local.set $a1 (v128.const f64x2 0 0))
        (local.set $a2 (v128.const f64x2 0 0))
        (local.set $a3 (v128.const f64x2 0 0))
        (local.set $a4 (v128.const f64x2 0 0))
        (local.set $a5 (v128.const f64x2 0 0))
        (local.set $a6 (v128.const f64x2 0 0))
        (local.set $a7 (v128.const f64x2 0 0))
        (local.set $u (i32.add (local.get $x) (i32.shl (i32.mul (local.get $i) (local.get $dim)) (i32.const 3))))
        (local.set $p (i32.add (local.get $panels) (i32.shl (i32.mul (local.get $j) (local.get $dim)) (i32.const 3))))
        (local.set $q (i32.add (local.get $p) (local.get $group)))
        (local.set $k (i32.const 0))
        (block $k_done
          (loop $k_loop
            (br_if $k_done (i32.ge_u (local.get $k) (local.get $dim)))
            (local.set $uk (f64x2.splat (f64.load (local.get $u))))
            (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $uk) (v128.load (local.get $p)))))
            (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $uk) (v128.load offset=16 (local.get $p)))))
            (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $uk) (v128.load offset=32 (local.get $p)))))
            (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $uk) (v128.load offset=48 (local.get $p)))))
            (local.set $a4 (f64x2.add (local.get $a4) (f64x2.mul (local.get $uk) (v128.load (local.get $q)))))
            (local.set $a5 (f64x2.add (local.get $a5) (f64x2.mul (local.get $uk) (v128.load offset=16 (local.get $q)))))
            (local.set $a6 (f64x2.add (local.get $a6) (f64x2.mul (local.get $uk) (v128.load offset=32 (local.get $q)))))
            (local.set $a7 (f64x2.add (local.get $a7) (f64x2.mul (local.get $uk) (v128.load offset=48 (local.get $q)))))
            (local.set $u (i32.add (local.get $u) (i32.const 8)))
            (local.set $p (i32.add (local.get $p) (i32.const 64)))
            (local.set $q (i32.add (local.get $q) (i32.const 64)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $k_loop)))
        (local.set $nj (i32.add (local.get $norms) (i32.shl (local.get $j) (i32.const 3))))
        (v128.store (local.get $o) (call $finish (local.get $a0) (local.get $ni) (v128.load (local.get $nj))))
        (v128.store offset=16 (local.get $o) (call $finish (local.get $a1) (local.get $ni) (v128.load offset=16 (local.get $nj))))
        (v128.store offset=32 (local.get $o) (call $finish (local.get $a2) (local.get $ni) (v128.load offset=32 (local.get $nj))))
        (v128.store offset=48 (local.get $o) (call $finish (local.get $a3) (local.get $ni) (v128.load offset=48 (local.get $nj))))
        (v128.store offset=64 (local.get $o) (call $finish (local.get $a4) (local.get $ni) (v128.load offset=64 (local.get $nj))))
        (v128.store offset=80 (local.get $o) (call $finish (local.get $a5) (local.get $ni) (v128.load offset=80 (local.get $nj))))
        (v128.store offset=96 (local.get $o) (call $finish (local.get $a6) (local.get $ni) (v128.load offset=96 (local.get $nj))))
        (v128.store offset=112 (local.get $o) (call $finish (local.get $a7) (local.get $ni) (v128.load offset=112 (local.get $nj))))
        (local.set $o (i32.add (local.get $o) (i32.const 128)))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $wide)))
    ;; then 8 at a time: one panel group, four accumulators
    (block $narrow_done
      (loop $narrow
        (br_if $narrow_done (i32.gt_u (i32.add (local.get $j) (i32.const 8)) (local.get $to)))
        (local.set $a0 (v128.const f64x2 0 0))
        (local.set $a1 (v128.const f64x2 0 0))
        (local.set $a2 (v128.const f64x2 0 0))
        (local.set $a3 (v128.const f64x2 0 0))
        (local.set $u (i32.add (local.get $x) (i32.shl (i32.mul (local.get $i) (local.get $dim)) (i32.const 3))))
        (local.set $p (i32.add (local.get $panels) (i32.shl (i32.mul (local.get $j) (local.get $dim)) (i32.const 3))))
        (local.set $k (i32.const 0))
        (block $k8_done
          (loop $k8_loop
            (br_if $k8_done (i32.ge_u (local.get $k) (local.get $dim)))
            (local.set $uk (f64x2.splat (f64.load (local.get $u))))
            (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (local.get $uk) (v128.load (local.get $p)))))
            (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $uk) (v128.load offset=16 (local.get $p)))))
            (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $uk) (v128.load offset=32 (local.get $p)))))
            (local.set $a3 (f64x2.add (local.get $a3) (f64x2.mul (local.get $uk) (v128.load offset=48 (local.get $p)))))
            (local.set $u (i32.add (local.get $u) (i32.const 8)))
            (local.set $p (i32.add (local.get $p) (i32.const 64)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $k8_loop)))
        (local.set $nj (i32.add (local.get $norms) (i32.shl (local.get $j) (i32.const 3))))
        (v128.store (local.get $o) (call $finish (local.get $a0) (local.get $ni) (v128.load (local.get $nj))))
        (v128.store offset=16 (local.get $o) (call $finish (local.get $a1) (local.get $ni) (v128.load offset=16 (local.get $nj))))
        (v128.store offset=32 (local.get $o) (call $finish (local.get $a2) (local.get $ni) (v128.load offset=32 (local.get $nj))))
        (v128.store offset=48 (local.get $o) (call $finish (local.get $a3) (local.get $ni) (v128.load offset=48 (local.get $nj))))
        (local.set $o (i32.add (local.get $o) (i32.const 64)))
        (local.set $j (i32.add (local.get $j) (i32.const 8)))
        (br $narrow)))
    (call $scalar_pairs (local.get $i) (local.get $j) (local.get $to)
      (local.get $x) (local.get $dim) (local.get $norms) (local.get $o)))

  ;; 1 - clip(dot / (norm_i * norm_j)) on two lanes (min/max clip = scipy's copysign clip; NaN stays NaN).
  (func $finish (param $dot v128) (param $ni v128) (param $nj v128) (result v128)
    (f64x2.sub (v128.const f64x2 1 1)
      (f64x2.min (v128.const f64x2 1 1)
        (f64x2.max (v128.const f64x2 -1 -1)
          (f64x2.div (local.get $dot) (f64x2.mul (local.get $ni) (local.get $nj)))))))

  ;; Pairs (i, from) .. (i, to-1) one at a time, written in order from out.
  (func $scalar_pairs (param $i i32) (param $from i32) (param $to i32)
                      (param $x i32) (param $dim i32) (param $norms i32) (param $out i32)
    (local $j i32)
    (local.set $j (local.get $from))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $to)))
        (f64.store
          (i32.add (local.get $out) (i32.shl (i32.sub (local.get $j) (local.get $from)) (i32.const 3)))
          (call $cosine_pair (local.get $x) (local.get $dim) (local.get $norms) (local.get $i) (local.get $j)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next))))

  ;; Squared euclidean distances (integers) from message i to messages i+1 .. n-1, written to out (u32).
  ;; msgs: n messages of `chunks` x 8 i16 symbols (zero-padded alike, so padding adds nothing).
  (func (export "sqeuclid_row")
        (param $i i32) (param $n i32) (param $chunks i32) (param $msgs i32) (param $out i32)
    (local $j i32) (local $a i32) (local $b i32) (local $c i32) (local $d v128) (local $acc v128)
    (local $stride i32)
    (local.set $stride (i32.shl (local.get $chunks) (i32.const 4)))
    (local.set $a (i32.add (local.get $msgs) (i32.mul (local.get $i) (local.get $stride))))
    (local.set $j (i32.add (local.get $i) (i32.const 1)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
        (local.set $b (i32.add (local.get $msgs) (i32.mul (local.get $j) (local.get $stride))))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $c (i32.const 0))
        (block $chunks_done
          (loop $chunk
            (br_if $chunks_done (i32.ge_u (local.get $c) (local.get $stride)))
            (local.set $d (i16x8.sub (v128.load (i32.add (local.get $a) (local.get $c)))
                                     (v128.load (i32.add (local.get $b) (local.get $c)))))
            (local.set $acc (i32x4.add (local.get $acc) (i32x4.dot_i16x8_s (local.get $d) (local.get $d))))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $chunk)))
        (i32.store
          (i32.add (local.get $out)
            (i32.shl (i32.sub (i32.sub (local.get $j) (local.get $i)) (i32.const 1)) (i32.const 2)))
          (i32.add
            (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
            (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next))))
)
