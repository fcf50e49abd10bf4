;; Average ranks of P distances (ties averaged, as scipy's rankdata), summed per message-distance code,
;; without sorting. See rank_sums.ts for the method; compiled by build_kernels.ts into kernels_wasm.ts.
;;
;; Values are spread into buckets by the monotone map b = trunc((x - min) * scale): bucket order is value
;; order and equal values share a bucket. The top level permutes in place (American flag sort) into at
;; most 2048 buckets; each bucket is spread again, through scratch memory, into buckets of about 4 values,
;; whose ranks are counted directly (how many are smaller, how many are equal). Bigger sub-buckets recurse.
;; Ranks are centred on mid = (P + 1) / 2, so every rank is a multiple of 1/2 and the sums are exact.
;; All pointers are byte offsets; values are f64, codes u32, sums f64 indexed by code.
(module
  (import "env" "memory" (memory 1))
  ;; Ranks of values[lo:hi] (rank base given) by a sort in JavaScript, for ranges too narrow to bucket.
  (import "env" "fallback" (func $fallback (param i32 i32 i32 i32 f64) (result f64)))

  (global $top (mut i32) (i32.const 0))    ;; scratch bump pointer
  (global $sumsq (mut f64) (f64.const 0))  ;; sum of squared centred ranks
  (global $mid (mut f64) (f64.const 0))
  (global $sums (mut i32) (i32.const 0))

  (func (export "sum_squares") (result f64) (global.get $sumsq))

  ;; 1 if any value in v[0:n] is NaN.
  (func (export "has_nan") (param $v i32) (param $n i32) (result i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $v) (i32.shl (local.get $n) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $v) (local.get $end)))
        (if (f64.ne (f64.load (local.get $v)) (f64.load (local.get $v))) (then (return (i32.const 1))))
        (local.set $v (i32.add (local.get $v) (i32.const 8)))
        (br $next)))
    (i32.const 0))

  ;; Centred ranks of values[0:n] summed per code into sums; scratch memory starts at `scratch`.
  (func (export "rank_sums") (param $v i32) (param $c i32) (param $n i32) (param $sums i32) (param $scratch i32)
    (local $min f64) (local $max f64) (local $nb i32) (local $scale f64) (local $starts i32) (local $heads i32)
    (local $b i32) (local $lo i32) (local $hi i32)
    (global.set $top (local.get $scratch))
    (global.set $sumsq (f64.const 0))
    (global.set $mid (f64.mul (f64.add (f64.convert_i32_u (local.get $n)) (f64.const 1)) (f64.const 0.5)))
    (global.set $sums (local.get $sums))
    (call $range (local.get $v) (i32.const 0) (local.get $n))
    (local.set $max)
    (local.set $min)
    (local.set $nb (i32.shr_u (i32.add (local.get $n) (i32.const 3)) (i32.const 2)))
    (if (i32.gt_u (local.get $nb) (i32.const 2048)) (then (local.set $nb (i32.const 2048))))
    (local.set $scale (call $scale_for (local.get $min) (local.get $max) (local.get $nb)))
    (if (i32.or (i32.le_u (local.get $n) (i32.const 24))
                (i32.or (f64.eq (local.get $min) (local.get $max)) (f64.eq (local.get $scale) (f64.const 0))))
      (then
        (call $segment (local.get $v) (local.get $c) (i32.const 0) (local.get $n) (f64.const 0))
        (return)))
    (local.set $starts (call $alloc (i32.shl (i32.add (local.get $nb) (i32.const 1)) (i32.const 2))))
    (local.set $heads (call $alloc (i32.shl (local.get $nb) (i32.const 2))))
    (call $count (local.get $v) (i32.const 0) (local.get $n) (local.get $min) (local.get $scale)
      (local.get $nb) (local.get $starts))
    (memory.copy (local.get $heads) (local.get $starts) (i32.shl (local.get $nb) (i32.const 2)))
    (call $permute (local.get $v) (local.get $c) (local.get $starts) (local.get $heads)
      (local.get $min) (local.get $scale) (local.get $nb))
    (local.set $b (i32.const 0))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $b) (local.get $nb)))
        (local.set $lo (i32.load (i32.add (local.get $starts) (i32.shl (local.get $b) (i32.const 2)))))
        (local.set $hi (i32.load offset=4 (i32.add (local.get $starts) (i32.shl (local.get $b) (i32.const 2)))))
        (call $segment (local.get $v) (local.get $c) (local.get $lo) (local.get $hi)
          (f64.convert_i32_u (local.get $lo)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $next))))

  ;; Bump-allocate `bytes` (8-aligned) of scratch, growing memory when needed.
  (func $alloc (param $bytes i32) (result i32)
    (local $p i32) (local $end i32) (local $pages i32)
    (local.set $p (global.get $top))
    (local.set $end (i32.and (i32.add (i32.add (local.get $p) (local.get $bytes)) (i32.const 7)) (i32.const -8)))
    (local.set $pages (i32.shr_u (i32.add (local.get $end) (i32.const 65535)) (i32.const 16)))
    (if (i32.gt_u (local.get $pages) (memory.size))
      (then
        (if (i32.eq (memory.grow (i32.sub (local.get $pages) (memory.size))) (i32.const -1))
          (then unreachable))))
    (global.set $top (local.get $end))
    (local.get $p))

  (func $range (param $v i32) (param $s i32) (param $e i32) (result f64 f64)
    (local $p i32) (local $end i32) (local $x f64) (local $min f64) (local $max f64)
    (local.set $min (f64.const inf))
    (local.set $max (f64.const -inf))
    (local.set $p (i32.add (local.get $v) (i32.shl (local.get $s) (i32.const 3))))
    (local.set $end (i32.add (local.get $v) (i32.shl (local.get $e) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $x (f64.load (local.get $p)))
        (local.set $min (f64.min (local.get $min) (local.get $x)))
        (local.set $max (f64.max (local.get $max) (local.get $x)))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br $next)))
    (local.get $min) (local.get $max))

  ;; nb / (max - min), or 0 when that map cannot separate min from max reliably.
  (func $scale_for (param $min f64) (param $max f64) (param $nb i32) (result f64)
    (local $scale f64)
    (local.set $scale (f64.div (f64.convert_i32_u (local.get $nb)) (f64.sub (local.get $max) (local.get $min))))
    (if (result f64)
        (i32.and (f64.lt (f64.abs (local.get $scale)) (f64.const inf))
                 (f64.ge (f64.mul (f64.sub (local.get $max) (local.get $min)) (local.get $scale)) (f64.const 1)))
      (then (local.get $scale))
      (else (f64.const 0))))

  (func $bucket (param $x f64) (param $min f64) (param $scale f64) (param $nb i32) (result i32)
    (local $b i32)
    (local.set $b (i32.trunc_sat_f64_u (f64.mul (f64.sub (local.get $x) (local.get $min)) (local.get $scale))))
    (select (i32.sub (local.get $nb) (i32.const 1)) (local.get $b) (i32.ge_u (local.get $b) (local.get $nb))))

  ;; starts[0..nb] (i32): absolute start index of each bucket of v[s:e]; starts[0] = s, starts[nb] = e.
  (func $count (param $v i32) (param $s i32) (param $e i32) (param $min f64) (param $scale f64)
               (param $nb i32) (param $starts i32)
    (local $k i32) (local $a i32) (local $b i32) (local $run i32)
    (memory.fill (local.get $starts) (i32.const 0) (i32.shl (i32.add (local.get $nb) (i32.const 1)) (i32.const 2)))
    (local.set $k (local.get $s))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $e)))
        (local.set $a (i32.add (local.get $starts) (i32.shl
          (call $bucket (f64.load (i32.add (local.get $v) (i32.shl (local.get $k) (i32.const 3))))
            (local.get $min) (local.get $scale) (local.get $nb))
          (i32.const 2))))
        (i32.store offset=4 (local.get $a) (i32.add (i32.load offset=4 (local.get $a)) (i32.const 1)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $next)))
    (local.set $run (local.get $s))
    (local.set $b (i32.const 0))
    (block $done2
      (loop $next2
        (i32.store (i32.add (local.get $starts) (i32.shl (local.get $b) (i32.const 2))) (local.get $run))
        (br_if $done2 (i32.ge_u (local.get $b) (local.get $nb)))
        (local.set $run (i32.add (local.get $run)
          (i32.load offset=4 (i32.add (local.get $starts) (i32.shl (local.get $b) (i32.const 2))))))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $next2))))

  ;; American flag sort step: move every (value, code) into its bucket in place, by cycle leaders.
  (func $permute (param $v i32) (param $c i32) (param $starts i32) (param $heads i32)
                 (param $min f64) (param $scale f64) (param $nb i32)
    (local $b i32) (local $end i32) (local $h i32) (local $d i32) (local $pos i32)
    (local $x f64) (local $y i32) (local $tx f64) (local $ty i32) (local $hp i32)
    (block $buckets_done
      (loop $bucket_loop
        (br_if $buckets_done (i32.ge_u (local.get $b) (local.get $nb)))
        (local.set $end (i32.load offset=4 (i32.add (local.get $starts) (i32.shl (local.get $b) (i32.const 2)))))
        (local.set $hp (i32.add (local.get $heads) (i32.shl (local.get $b) (i32.const 2))))
        (block $bucket_done
          (loop $leader
            (local.set $h (i32.load (local.get $hp)))
            (br_if $bucket_done (i32.ge_u (local.get $h) (local.get $end)))
            (local.set $x (f64.load (i32.add (local.get $v) (i32.shl (local.get $h) (i32.const 3)))))
            (local.set $y (i32.load (i32.add (local.get $c) (i32.shl (local.get $h) (i32.const 2)))))
            (local.set $d (call $bucket (local.get $x) (local.get $min) (local.get $scale) (local.get $nb)))
            (block $placed
              (loop $cycle
                (br_if $placed (i32.eq (local.get $d) (local.get $b)))
                (local.set $pos (i32.load (i32.add (local.get $heads) (i32.shl (local.get $d) (i32.const 2)))))
                (i32.store (i32.add (local.get $heads) (i32.shl (local.get $d) (i32.const 2)))
                  (i32.add (local.get $pos) (i32.const 1)))
                (local.set $tx (f64.load (i32.add (local.get $v) (i32.shl (local.get $pos) (i32.const 3)))))
                (local.set $ty (i32.load (i32.add (local.get $c) (i32.shl (local.get $pos) (i32.const 2)))))
                (f64.store (i32.add (local.get $v) (i32.shl (local.get $pos) (i32.const 3))) (local.get $x))
                (i32.store (i32.add (local.get $c) (i32.shl (local.get $pos) (i32.const 2))) (local.get $y))
                (local.set $x (local.get $tx))
                (local.set $y (local.get $ty))
                (local.set $d (call $bucket (local.get $x) (local.get $min) (local.get $scale) (local.get $nb)))
                (br $cycle)))
            (f64.store (i32.add (local.get $v) (i32.shl (local.get $h) (i32.const 3))) (local.get $x))
            (i32.store (i32.add (local.get $c) (i32.shl (local.get $h) (i32.const 2))) (local.get $y))
            (i32.store (local.get $hp) (i32.add (local.get $h) (i32.const 1)))
            (br $leader)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $bucket_loop))))

  ;; Ranks of v[s:e], which hold exactly the values of global ranks base + 1 .. base + (e - s).
  (func $segment (param $v i32) (param $c i32) (param $s i32) (param $e i32) (param $base f64)
    (local $m i32) (local $min f64) (local $max f64) (local $nb i32) (local $scale f64) (local $mark i32)
    (local $starts i32) (local $sv i32) (local $sc i32) (local $k i32) (local $a i32) (local $pos i32)
    (local $x f64) (local $b i32) (local $lo i32) (local $hi i32)
    (local.set $m (i32.sub (local.get $e) (local.get $s)))
    (if (i32.le_u (local.get $m) (i32.const 24))
      (then
        (call $count_ranks (local.get $v) (local.get $c) (local.get $s) (local.get $e) (local.get $base))
        (return)))
    (call $range (local.get $v) (local.get $s) (local.get $e))
    (local.set $max)
    (local.set $min)
    (if (f64.eq (local.get $min) (local.get $max))
      (then
        (call $tie (local.get $c) (local.get $s) (local.get $e) (local.get $base))
        (return)))
    (local.set $nb (i32.shr_u (i32.add (local.get $m) (i32.const 3)) (i32.const 2)))
    (local.set $scale (call $scale_for (local.get $min) (local.get $max) (local.get $nb)))
    (if (f64.eq (local.get $scale) (f64.const 0))
      (then
        (global.set $sumsq (f64.add (global.get $sumsq)
          (call $fallback (local.get $v) (local.get $c) (local.get $s) (local.get $e) (local.get $base))))
        (return)))
    ;; spread into scratch, bucket by bucket
    (local.set $mark (global.get $top))
    (local.set $starts (call $alloc (i32.shl (i32.add (local.get $nb) (i32.const 1)) (i32.const 2))))
    (local.set $sv (call $alloc (i32.shl (local.get $m) (i32.const 3))))
    (local.set $sc (call $alloc (i32.shl (local.get $m) (i32.const 2))))
    (call $count (local.get $v) (local.get $s) (local.get $e) (local.get $min) (local.get $scale)
      (local.get $nb) (local.get $starts))
    (local.set $k (local.get $s))
    (block $spread_done
      (loop $spread
        (br_if $spread_done (i32.ge_u (local.get $k) (local.get $e)))
        (local.set $x (f64.load (i32.add (local.get $v) (i32.shl (local.get $k) (i32.const 3)))))
        (local.set $a (i32.add (local.get $starts) (i32.shl
          (call $bucket (local.get $x) (local.get $min) (local.get $scale) (local.get $nb)) (i32.const 2))))
        (local.set $pos (i32.sub (i32.load (local.get $a)) (local.get $s)))
        (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (i32.const 1)))
        (f64.store (i32.add (local.get $sv) (i32.shl (local.get $pos) (i32.const 3))) (local.get $x))
        (i32.store (i32.add (local.get $sc) (i32.shl (local.get $pos) (i32.const 2)))
          (i32.load (i32.add (local.get $c) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $spread)))
    ;; now starts[b] is the end of bucket b (relative to s after subtracting s)
    (local.set $lo (i32.const 0))
    (local.set $b (i32.const 0))
    (block $buckets_done
      (loop $buckets
        (br_if $buckets_done (i32.ge_u (local.get $b) (local.get $nb)))
        (local.set $hi (i32.sub (i32.load (i32.add (local.get $starts) (i32.shl (local.get $b) (i32.const 2))))
                                (local.get $s)))
        (if (i32.le_u (i32.sub (local.get $hi) (local.get $lo)) (i32.const 24))
          (then
            (call $count_ranks (local.get $sv) (local.get $sc) (local.get $lo) (local.get $hi)
              (f64.add (local.get $base) (f64.convert_i32_u (local.get $lo)))))
          (else
            (call $segment (local.get $sv) (local.get $sc) (local.get $lo) (local.get $hi)
              (f64.add (local.get $base) (f64.convert_i32_u (local.get $lo))))))
        (local.set $lo (local.get $hi))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $buckets)))
    (global.set $top (local.get $mark)))

  ;; Small bucket: rank = base + #smaller + (#equal + 1) / 2, counted without branches.
  (func $count_ranks (param $v i32) (param $c i32) (param $lo i32) (param $hi i32) (param $base f64)
    (local $k i32) (local $l i32) (local $x f64) (local $y f64) (local $less i32) (local $equal i32)
    (local $h f64) (local $offset f64) (local $sq f64) (local $end i32) (local $slot i32)
    (local.set $offset (f64.sub (f64.add (local.get $base) (f64.const 0.5)) (global.get $mid)))
    (local.set $k (i32.add (local.get $v) (i32.shl (local.get $lo) (i32.const 3))))
    (local.set $end (i32.add (local.get $v) (i32.shl (local.get $hi) (i32.const 3))))
    (local.set $c (i32.add (local.get $c) (i32.shl (local.get $lo) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $x (f64.load (local.get $k)))
        (local.set $less (i32.const 0))
        (local.set $equal (i32.const 0))
        (local.set $l (i32.add (local.get $v) (i32.shl (local.get $lo) (i32.const 3))))
        (block $inner_done
          (loop $inner
            (br_if $inner_done (i32.ge_u (local.get $l) (local.get $end)))
            (local.set $y (f64.load (local.get $l)))
            (local.set $less (i32.add (local.get $less) (f64.lt (local.get $y) (local.get $x))))
            (local.set $equal (i32.add (local.get $equal) (f64.eq (local.get $y) (local.get $x))))
            (local.set $l (i32.add (local.get $l) (i32.const 8)))
            (br $inner)))
        (local.set $h (f64.add (local.get $offset)
          (f64.add (f64.convert_i32_u (local.get $less))
                   (f64.mul (f64.convert_i32_u (local.get $equal)) (f64.const 0.5)))))
        (local.set $slot (i32.add (global.get $sums) (i32.shl (i32.load (local.get $c)) (i32.const 3))))
        (f64.store (local.get $slot) (f64.add (f64.load (local.get $slot)) (local.get $h)))
        (local.set $sq (f64.add (local.get $sq) (f64.mul (local.get $h) (local.get $h))))
        (local.set $k (i32.add (local.get $k) (i32.const 8)))
        (local.set $c (i32.add (local.get $c) (i32.const 4)))
        (br $next)))
    (global.set $sumsq (f64.add (global.get $sumsq) (local.get $sq))))

  ;; A run of equal values: all share the average of their ranks.
  (func $tie (param $c i32) (param $s i32) (param $e i32) (param $base f64)
    (local $m f64) (local $h f64) (local $p i32) (local $end i32) (local $slot i32)
    (local.set $m (f64.convert_i32_u (i32.sub (local.get $e) (local.get $s))))
    (local.set $h (f64.sub (f64.add (local.get $base) (f64.mul (f64.add (local.get $m) (f64.const 1)) (f64.const 0.5)))
                           (global.get $mid)))
    (local.set $p (i32.add (local.get $c) (i32.shl (local.get $s) (i32.const 2))))
    (local.set $end (i32.add (local.get $c) (i32.shl (local.get $e) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $slot (i32.add (global.get $sums) (i32.shl (i32.load (local.get $p)) (i32.const 3))))
        (f64.store (local.get $slot) (f64.add (f64.load (local.get $slot)) (local.get $h)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $next)))
    (global.set $sumsq (f64.add (global.get $sumsq) (f64.mul (local.get $m) (f64.mul (local.get $h) (local.get $h))))))
)
