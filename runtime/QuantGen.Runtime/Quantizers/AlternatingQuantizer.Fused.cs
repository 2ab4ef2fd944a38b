using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace QuantGen.Runtime;

/// <summary>
/// The alternating quantizer in as few passes as the algorithm allows, for up to 4 bits on AVX-512 or AVX2: the
/// pass that makes the codes (a greedy step or a code search) also gathers what the next least-squares
/// step needs (the sums of x where each bit is set, the count of values where two bits differ), and the
/// last code search writes the reconstruction. Run-time activation coding is on every alternating layer's
/// critical path, and on layers of 64 to 256 values the scalar reference's one-pass-per-sum structure
/// (each with its own horizontal sum) cost more than the layer's product.
/// The same float operations and comparisons as QuantizeScalar make the codes from the alphas; the sums
/// add in float lanes before a double total, so alphas can differ from the reference in the last bits.
/// The passes are written once over the vector width (<see cref="ICoderLanes{VF, VI}"/>, CoderLanes.cs).
/// </summary>
public static partial class AlternatingQuantizer
{
    private const int FusedMaxBits = 4;

    /// <summary>The width the fused path runs at in this process ("Vector512", "Vector256"), or "none" (the reference's
    /// passes, with their ARM64 bodies there); the ISA-path tests check it.</summary>
    internal static string FusedWidth => Coder512.IsSupported ? "Vector512" : Coder256.IsSupported ? "Vector256" : "none";

    /// <summary>Codes <paramref name="x"/> as <see cref="Quantize"/> does; false when this path does not apply (neither
    /// AVX-512 nor AVX2, more than 4 bits, fewer than 16 values: nothing written) or a sum overflowed
    /// (<paramref name="overflowed"/>: buffers written, to be overwritten).</summary>
    private static bool QuantizeFused(ReadOnlySpan<float> x, int bits, int cycles, Span<float> alphas, Span<float> reconstruction, Span<byte> codes, out bool overflowed)
    {
        overflowed = false;
        if (bits > FusedMaxBits || bits < 1 || x.Length < 16 || !(Coder512.IsSupported || Coder256.IsSupported))
        {
            return false;
        }

        // A float-lane sum can overflow where the reference's double sums do not (see AllFinite): the caller then
        // codes x with the reference's scalar passes.
        overflowed = !(Coder512.IsSupported ? FusedCoder<Coder512, Vector512<float>, Vector512<int>>.Quantize(x, bits, cycles, alphas, reconstruction, codes)
            : FusedCoder<Coder256, Vector256<float>, Vector256<int>>.Quantize(x, bits, cycles, alphas, reconstruction, codes));
        return !overflowed;
    }

    /// <summary>The least-squares system a gathering pass fills (views of the caller's buffers) and what it needs
    /// besides the codes: the count of real values and the sum of x.</summary>
    private readonly ref struct LeastSquares(Span<double> gram, Span<double> rhs, int count, double total)
    {
        public Span<double> Gram { get; } = gram;

        public Span<double> Rhs { get; } = rhs;

        public int Count { get; } = count;

        public double Total { get; } = total;
    }

    /// <summary>The fused passes at the width of <typeparamref name="L"/>.</summary>
    private static partial class FusedCoder<L, VF, VI>
        where L : struct, ICoderLanes<VF, VI>
        where VF : struct
        where VI : struct
    {
        /// <summary>Codes x; false when a sum overflowed (what was written is then to be overwritten by the reference).</summary>
        public static bool Quantize(ReadOnlySpan<float> x, int bits, int cycles, Span<float> alphas, Span<float> reconstruction, Span<byte> codes) =>
            // One instantiation per bit count, so every pass below is called directly and compiled for that count.
            bits switch
            {
                1 => Fused<OneBit>(x, cycles, alphas, reconstruction, codes),
                2 => Fused<TwoBits>(x, cycles, alphas, reconstruction, codes),
                3 => Fused<ThreeBits>(x, cycles, alphas, reconstruction, codes),
                _ => Fused<FourBits>(x, cycles, alphas, reconstruction, codes),
            };

        /// <summary>Whether every value is finite (<see cref="AllFinite(ReadOnlySpan{float})"/> says why it matters).</summary>
        private static bool Finite(ReadOnlySpan<double> values)
        {
            foreach (double v in values)
            {
                if (!double.IsFinite(v))
                {
                    return false;
                }
            }

            return true;
        }

        [SkipLocalsInit]
        private static bool Fused<TBits>(ReadOnlySpan<float> x, int cycles, Span<float> alphas, Span<float> reconstruction, Span<byte> codes)
            where TBits : IBitCount
        {
            int n = x.Length, bits = TBits.Count;
            // Whole vectors: x itself and the reconstruction as the residual when n is a multiple of the width, else padded
            // copies whose padding lanes are masked out of every count and |r| sum (x's padding is 0, so it adds
            // nothing to the sums of x).
            int padded = (n + L.Count - 1) & -L.Count;
            bool whole = padded == n;
            float[]? rentedFloats = null;
            byte[]? rentedBytes = null;
            Span<float> floats = whole ? default : padded <= 2048 ? stackalloc float[2 * padded] : (rentedFloats = new float[2 * padded]);
            // The caller's codes are the working buffer when they have room for the padded length (the xor/popcount
            // kernel's scratch does): no copy at the end. The first greedy step writes every code byte, so no clearing.
            bool direct = codes.Length >= padded;
            Span<byte> code = direct ? codes.Slice(0, padded) : padded <= 4096 ? stackalloc byte[padded] : (rentedBytes = new byte[padded]);
            scoped ReadOnlySpan<float> xs = x;
            scoped Span<float> residual = reconstruction.Slice(0, n);
            if (!whole)
            {
                Span<float> copy = floats.Slice(0, padded);
                x.CopyTo(copy);
                copy.Slice(n).Clear();
                xs = copy;
                residual = floats.Slice(padded, padded);
            }

            if (!Passes<TBits>(xs, residual, code, n, cycles, alphas))
            {
                return false;
            }

            if (!whole)
            {
                residual.Slice(0, n).CopyTo(reconstruction);
            }

            if (!codes.IsEmpty && !direct)
            {
                code.Slice(0, n).CopyTo(codes);
            }

            GC.KeepAlive(rentedFloats);
            GC.KeepAlive(rentedBytes);
            return true;
        }

        /// <summary>
        /// The passes over whole vectors: <paramref name="xs"/> and <paramref name="residual"/> hold whole vectors (zero past
        /// the <paramref name="n"/> real values), <paramref name="code"/> as many bytes. Apart from the buffers
        /// <see cref="Fused{TBits}"/> sets up: with the buffer choices in the same method, the JIT kept the spans in memory and
        /// reloaded them through a store it could not forward, on every coding.
        /// </summary>
        [SkipLocalsInit]
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static bool Passes<TBits>(ReadOnlySpan<float> xs, Span<float> residual, Span<byte> code, int n, int cycles, Span<float> alphas)
            where TBits : IBitCount
        {
            int bits = TBits.Count, padded = xs.Length;
            VI lastValid = L.FirstLanes(n - (padded - L.Count));

            Span<double> gram = stackalloc double[FusedMaxBits * FusedMaxBits];
            Span<double> rhs = stackalloc double[FusedMaxBits];
            Span<float> sums = stackalloc float[1 << FusedMaxBits];
            Span<byte> order = stackalloc byte[1 << FusedMaxBits];
            Span<float> thresholds = stackalloc float[1 << FusedMaxBits];

            if (bits == 1 && cycles > 0)
            {
                // One bit: the greedy codes are the signs, which do not wait for alpha, so the first pass makes them and
                // gathers their least-squares sums along with the sums of x and |x| (the same sums, in the same order, as
                // the two passes it replaces).
                double signTotal = SignPass<TBits>(xs, code, lastValid, gram.Slice(0, 1), rhs.Slice(0, 1), n, out double signAbsolute);
                if (!double.IsFinite(signAbsolute))
                {
                    // A non-finite value (TryQuantizeFinite's input is not cleaned) or an overflowed lane.
                    return false;
                }

                alphas[0] = (float)(signAbsolute / n);
                return Cycles<TBits>(xs, residual, code, cycles, alphas, lastValid, new LeastSquares(gram.Slice(0, 1), rhs.Slice(0, 1), n, signTotal), sums, order, thresholds, float.NegativeInfinity, float.PositiveInfinity);
            }

            double total = TotalAndAbs(xs, out double absolute, out float smallest, out float largest);
            if (!double.IsFinite(absolute))
            {
                // A non-finite value (TryQuantizeFinite's input is not cleaned) or an overflowed lane.
                return false;
            }

            // The least-squares system each gathering pass fills for the next cycle.
            var system = new LeastSquares(gram.Slice(0, bits * bits), rhs.Slice(0, bits), n, total);
            float alpha = (float)(absolute / n);
            if (bits == 2 && cycles > 0)
            {
                // The one greedy pass, by levels (AlternatingQuantizer.Levels.cs).
                alphas[0] = alpha;
                alphas[1] = (float)(GreedyLevels2(xs, alpha, smallest, largest, lastValid, system) / n);
                return Cycles<TBits>(xs, residual, code, cycles, alphas, lastValid, system, sums, order, thresholds, smallest, largest);
            }

            // Three bits over values >= 0 (after a ReLU), from 128 values: two level passes (AlternatingQuantizer.Levels.cs).
            // Signed values put more than three thresholds between them and take the per-bit passes below, as do fewer values,
            // where the level passes' thresholds lengthen the chain more than the lighter passes shorten it.
            if (bits == 3 && cycles > 0 && smallest >= 0f && xs.Length >= MinGreedyLevels3Length && GreedyLevels3(xs, alpha, smallest, largest, lastValid, system, alphas))
            {
                return Cycles<TBits>(xs, residual, code, cycles, alphas, lastValid, system, sums, order, thresholds, smallest, largest);
            }

            // With cycles to run, the last greedy step's codes need only the alphas before it (its own alpha is read only
            // if the first system is singular, and its residual not at all), so the pass before it makes them too: one
            // dependent pass fewer, which on 64 to 256 values is a fifth of the coding.
            int passes = cycles > 0 && bits > 1 ? bits - 1 : bits;
            for (int j = 0; j < passes; j++)
            {
                alphas[j] = alpha;
                bool last = j == passes - 1;
                alpha = (float)(GreedyPass<TBits>(xs, j == 0 ? xs : residual, residual, code, j, alphas[j], lastValid, gather: last && cycles > 0, makesNext: last && passes < bits, system) / n);
            }

            if (passes < bits)
            {
                alphas[bits - 1] = alpha;
            }

            return Cycles<TBits>(xs, residual, code, cycles, alphas, lastValid, system, sums, order, thresholds, smallest, largest);
        }

        /// <summary>The alternating cycles from the greedy codes (and their gathered system), then the reconstruction;
        /// <paramref name="smallest"/> and <paramref name="largest"/> bound the values (the level passes skip thresholds
        /// outside them).</summary>
        private static bool Cycles<TBits>(ReadOnlySpan<float> xs, Span<float> residual, Span<byte> code, int cycles, Span<float> alphas, VI lastValid, in LeastSquares system, Span<float> sums, Span<byte> order, Span<float> thresholds, float smallest, float largest)
            where TBits : IBitCount
        {
            int bits = TBits.Count;
            Span<double> gram = system.Gram, rhs = system.Rhs;
            if (!AllFinite(alphas.Slice(0, bits)))
            {
                return false;
            }

            for (int cycle = 0; cycle < cycles; cycle++)
            {
                if (!Finite(rhs))
                {
                    return false;
                }

                SolveByCofactors<TBits>(gram, rhs, alphas);
                if (!AllFinite(alphas.Slice(0, bits)))
                {
                    return false;
                }

                bool final = cycle == cycles - 1;
                ThresholdSearch search = SortedSearch<TBits>(alphas, sums, order, thresholds);
                // One bit: codes the search left as they were are a fixed point (the next solve would see the same sums and
                // return this alpha, and its search these codes), and they almost always are: the greedy codes are the signs,
                // the least-squares alpha of the signs is mean |x|, and its nearest sums give the signs back. So that search
                // also writes the reconstruction, and the coding ends there. (With more bits the codes rarely settle in one
                // cycle, and the check would cost more than it saves.)
                bool oneBit = TBits.Count == 1;
                if (TBits.Count is 2 or 3)
                {
                    // By levels where at most three thresholds lie between the values (AlternatingQuantizer.Levels.cs): always
                    // at 2 bits, and at 3 after a ReLU.
                    (int first, int count) = ActiveThresholds(thresholds, (1 << bits) - 1, smallest, largest);
                    if (count <= MaxLevelThresholds)
                    {
                        if (final)
                        {
                            WriteLevels<TBits>(xs, code, search, thresholds, first, count, residual);
                        }
                        else
                        {
                            FillFromLevels<TBits>(order, first, GatherLevels(xs, thresholds, first, count, lastValid, system.Total, system.Count), system);
                        }

                        continue;
                    }
                }

                if (!SearchPass<TBits>(xs, code, search, lastValid, gather: !final, system, final || oneBit ? residual : default) && oneBit)
                {
                    break;
                }
            }

            if (cycles == 0)
            {
                SortedSums(alphas.Slice(0, bits), sums.Slice(0, 1 << bits), order.Slice(0, 1 << bits));
                Span<float> table = stackalloc float[16];
                for (int k = 0; k < 1 << bits; k++)
                {
                    table[order[k]] = sums[k];
                }

                CoderTable<VF> values = L.Table(table);
                ref byte c = ref MemoryMarshal.GetReference(code);
                ref float y = ref MemoryMarshal.GetReference(residual);
                for (int i = 0; i < residual.Length; i += L.Count)
                {
                    L.Store(L.Lookup(values, L.LoadCodes(ref c, (nuint)i), bits), ref y, (nuint)i);
                }
            }

            return true;
        }

        /// <summary>
        /// What the next least-squares step needs from a pass's codes: per bit, the sum of x where it is set; per pair
        /// of bits, the count of values where they differ (exact integers). Kept in the pass's own locals: accumulating
        /// through a reference to the caller's struct made every vector wait on a store and a reload of each sum.
        /// </summary>
        private struct Accumulators<TBits>
            where TBits : IBitCount
        {
            private VF _set0, _set1, _set2, _set3;
            private VI _differ01, _differ02, _differ03, _differ12, _differ13, _differ23;

            /// <summary>Adds x where each bit is set, and counts (in the <paramref name="valid"/> lanes) where two bits differ.</summary>
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public void Add(VF x, VI c, VI valid)
            {
                // All ones where bit j is set: x & m adds x there and +0 elsewhere, as selecting 0 did.
                VI m0 = L.BitMask(c, 0);
                _set0 = L.Add(_set0, L.Keep(x, m0));
                if (TBits.Count < 2)
                {
                    return;
                }

                VI m1 = L.BitMask(c, 1);
                _set1 = L.Add(_set1, L.Keep(x, m1));
                _differ01 = L.Subtract(_differ01, L.And(L.Xor(m0, m1), valid));
                if (TBits.Count < 3)
                {
                    return;
                }

                VI m2 = L.BitMask(c, 2);
                _set2 = L.Add(_set2, L.Keep(x, m2));
                _differ02 = L.Subtract(_differ02, L.And(L.Xor(m0, m2), valid));
                _differ12 = L.Subtract(_differ12, L.And(L.Xor(m1, m2), valid));
                if (TBits.Count < 4)
                {
                    return;
                }

                VI m3 = L.BitMask(c, 3);
                _set3 = L.Add(_set3, L.Keep(x, m3));
                _differ03 = L.Subtract(_differ03, L.And(L.Xor(m0, m3), valid));
                _differ13 = L.Subtract(_differ13, L.And(L.Xor(m1, m3), valid));
                _differ23 = L.Subtract(_differ23, L.And(L.Xor(m2, m3), valid));
            }

            /// <summary>The next least-squares system: (B^T B) and B^T x for b in {-1, +1}, B^T B = n on the diagonal and
            /// n - 2 * differ off it, (B^T x)_a = 2 * (sum of x where bit a is set) - sum x. Inlined, so the pass never
            /// takes this struct's address and its sums stay in registers.</summary>
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            public readonly void Fill(in LeastSquares system)
            {
                Span<double> gram = system.Gram, rhs = system.Rhs;
                int bits = TBits.Count, n = system.Count;
                for (int a = 0; a < bits; a++)
                {
                    rhs[a] = 2 * L.Total(a switch { 0 => _set0, 1 => _set1, 2 => _set2, _ => _set3 }) - system.Total;
                    gram[a * bits + a] = n;
                    for (int b = a + 1; b < bits; b++)
                    {
                        VI differ = (a, b) switch
                        {
                            (0, 1) => _differ01,
                            (0, 2) => _differ02,
                            (0, 3) => _differ03,
                            (1, 2) => _differ12,
                            (1, 3) => _differ13,
                            _ => _differ23,
                        };
                        double value = n - 2.0 * L.Sum(differ);
                        gram[a * bits + b] = value;
                        gram[b * bits + a] = value;
                    }
                }
            }
        }

        /// <summary>The sums of x and |x|, and bounds of x (the padding's zeros among them: a wider range is still exact for
        /// the level passes).</summary>
        private static double TotalAndAbs(ReadOnlySpan<float> xs, out double absolute, out float smallest, out float largest)
        {
            ref float x = ref MemoryMarshal.GetReference(xs);
            VF sum = default, abs = default, low = L.Load(ref x, 0), high = low;
            int i = 0;
            for (; i + L.Count < xs.Length; i += 2 * L.Count)
            {
                // Two vectors added together first: one dependent add per two vectors in each running sum.
                VF v = L.Load(ref x, (nuint)i), w = L.Load(ref x, (nuint)(i + L.Count));
                sum = L.Add(sum, L.Add(v, w));
                abs = L.Add(abs, L.Add(L.Abs(v), L.Abs(w)));
                low = L.Min(low, L.Min(v, w));
                high = L.Max(high, L.Max(v, w));
            }

            for (; i < xs.Length; i += L.Count)
            {
                VF v = L.Load(ref x, (nuint)i);
                sum = L.Add(sum, v);
                abs = L.Add(abs, L.Abs(v));
                low = L.Min(low, v);
                high = L.Max(high, v);
            }

            absolute = L.Total(abs);
            smallest = L.Smallest(low);
            largest = L.Largest(high);
            return L.Total(sum);
        }

        /// <summary>The first pass for one bit: the sums of x and |x| (as <see cref="TotalAndAbs"/>), the codes (the signs:
        /// bit 0 where x >= 0, -0 included, as the greedy step) and their least-squares system in
        /// <paramref name="gram"/> and <paramref name="rhs"/>; returns the sum of x.</summary>
        private static double SignPass<TBits>(ReadOnlySpan<float> xs, Span<byte> code, VI lastValid, Span<double> gram, Span<double> rhs, int n, out double absolute)
            where TBits : IBitCount
        {
            ref float x = ref MemoryMarshal.GetReference(xs);
            ref byte c = ref MemoryMarshal.GetReference(code);
            VF sum = default, abs = default;
            VI one = L.Splat(1), all = L.Splat(-1);
            Accumulators<TBits> sums = default;
            int lastStart = xs.Length - L.Count;
            for (int i = 0; i < xs.Length; i += L.Count)
            {
                VF v = L.Load(ref x, (nuint)i);
                sum = L.Add(sum, v);
                abs = L.Add(abs, L.Abs(v));
                VI codes = L.And(L.AtLeastZero(v), one);
                L.StoreCodes(codes, ref c, (nuint)i);
                sums.Add(v, codes, i == lastStart ? lastValid : all);
            }

            absolute = L.Total(abs);
            double total = L.Total(sum);
            sums.Fill(new LeastSquares(gram, rhs, n, total));
            return total;
        }

        /// <summary>One greedy step over <paramref name="from"/> (x for the first step, the residual after): bit j
        /// where r >= 0, r -= +-alpha into <paramref name="residual"/>; returns the sum of the new |r| over the real
        /// values (the next step's alpha times n). With <paramref name="gather"/>, the codes are final after this
        /// step and their statistics over <paramref name="xs"/> are gathered. With <paramref name="makesNext"/> the pass
        /// also makes bit j + 1 (where the new r >= 0) and stores no residual: the next step would read it only for that.</summary>
        private static double GreedyPass<TBits>(ReadOnlySpan<float> xs, ReadOnlySpan<float> from, Span<float> residual, Span<byte> code, int j, float alpha, VI lastValid, bool gather, bool makesNext, in LeastSquares system)
            where TBits : IBitCount
        {
            ref float x = ref MemoryMarshal.GetReference(xs);
            ref float source = ref MemoryMarshal.GetReference(from);
            ref float r = ref MemoryMarshal.GetReference(residual);
            ref byte c = ref MemoryMarshal.GetReference(code);
            VF plus = L.Splat(alpha), minus = L.Splat(-alpha);
            VI bit = L.Splat(1 << j), nextBit = L.Splat(2 << j), all = L.Splat(-1);
            VF abs = default;
            Accumulators<TBits> sums = default;
            int lastStart = residual.Length - L.Count;
            for (int i = 0; i < residual.Length; i += L.Count)
            {
                VI valid = i == lastStart ? lastValid : all;
                VF v = L.Load(ref source, (nuint)i);
                // sign(0) = +1 (-0 too), as in the reference.
                VI positive = L.AtLeastZero(v);
                VF next = L.Keep(L.Subtract(v, L.Select(positive, plus, minus)), valid);
                abs = L.Add(abs, L.Abs(next));
                // Bit j joins the bits before it; the first step starts each code (the buffer is not cleared).
                VI codes = L.And(positive, bit);
                if (j > 0)
                {
                    codes = L.Or(codes, L.LoadCodes(ref c, (nuint)i));
                }

                if (makesNext)
                {
                    codes = L.Or(codes, L.And(L.AtLeastZero(next), nextBit));
                }
                else
                {
                    L.Store(next, ref r, (nuint)i);
                }

                if (!gather)
                {
                    // The last greedy step before the cycles gathers its codes' statistics instead: the searches make
                    // every code anew from the alphas (and the final one stores them), so these would never be read.
                    L.StoreCodes(codes, ref c, (nuint)i);
                }
                else
                {
                    sums.Add(L.Load(ref x, (nuint)i), codes, valid);
                }
            }

            if (gather)
            {
                sums.Fill(system);
            }

            return L.Total(abs);
        }

        /// <summary>The code search for fixed alphas (the nearest of the sorted sums; ties to the larger, as in the
        /// reference); writes the reconstruction if given; with <paramref name="gather"/>, gathers the new codes' statistics
        /// and, for one bit, returns whether any real value's code changed (otherwise true).</summary>
        private static bool SearchPass<TBits>(ReadOnlySpan<float> xs, Span<byte> code, in ThresholdSearch search, VI lastValid, bool gather, in LeastSquares system, Span<float> reconstruction)
            where TBits : IBitCount
        {
            VI changed = default, all = L.Splat(-1);
            ref float x = ref MemoryMarshal.GetReference(xs);
            ref byte c = ref MemoryMarshal.GetReference(code);
            ref float y = ref MemoryMarshal.GetReference(reconstruction);
            bool write = !reconstruction.IsEmpty;
            Accumulators<TBits> totals = default;
            int lastStart = xs.Length - L.Count;
            for (int i = 0; i < xs.Length; i += L.Count)
            {
                VF v = L.Load(ref x, (nuint)i);
                VI best = search.Index<TBits>(v);
                VI codes = L.Lookup(search.Codes, best, TBits.Count);
                VI valid = i == lastStart ? lastValid : all;
                if (gather && TBits.Count == 1)
                {
                    changed = L.Or(changed, L.And(L.Xor(L.LoadCodes(ref c, (nuint)i), codes), valid));
                }

                if (!gather || TBits.Count == 1)
                {
                    // With more than one bit, a gathering search's codes are never read: the next search makes them anew
                    // from its alphas, and the final one stores them. One bit compares them with the next search's.
                    L.StoreCodes(codes, ref c, (nuint)i);
                }

                if (write)
                {
                    // The sorted sums are the values Value(code) computes, so this is the reconstruction.
                    L.Store(L.Lookup(search.Sums, best, TBits.Count), ref y, (nuint)i);
                }

                if (gather)
                {
                    totals.Add(v, codes, valid);
                }
            }

            if (gather)
            {
                totals.Fill(system);
            }

            return !gather || TBits.Count > 1 || L.AnySet(changed);
        }
    }
}
