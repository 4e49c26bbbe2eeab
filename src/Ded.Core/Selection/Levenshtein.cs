using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Ded.Selection;

/// <summary>
/// Exact edit distance (insert, delete, substitute; each costs 1) by the bit-parallel algorithm of
/// Myers (1999, "A fast bit-vector algorithm for approximate string matching based on dynamic programming", J. ACM 46(3))
/// in the formulation of Hyyrö (2003, "A bit-vector algorithm for computing Levenshtein and Damerau edit distances",
/// Nordic J. Computing 10(1)), blocked over 64-bit words for patterns longer than 64 (Myers 1999, section 4).
/// </summary>
/// <remarks>
/// Cost is O(⌈m/64⌉·n) word operations for the shorter length m and the longer n, after stripping the common prefix and
/// suffix. Allocation-free apart from buffers rented from <see cref="ArrayPool{T}.Shared"/>. Peq (the per-symbol match
/// masks) holds one row of ⌈m/64⌉ words per distinct symbol of the shorter sequence, (distinct + 1)·⌈m/64⌉·8 bytes:
/// 0.4 MB for a 30,000-char trace with 100 distinct chars. Past 32 MB (huge alphabets: random code units, long token
/// sequences) each column's mask is built from a list of positions instead, in O(m) memory.
/// </remarks>
public static class Levenshtein
{
    /// <summary>The Levenshtein distance between two texts, counted in UTF-16 code units.</summary>
    public static int Distance(ReadOnlySpan<char> a, ReadOnlySpan<char> b) => Distance<char>(a, b, Kernel.Auto);

    /// <summary>The Levenshtein distance between two token id sequences, counted in tokens.</summary>
    public static int Distance(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => Distance<int>(a, b, Kernel.Auto);

    /// <summary>Which column loop runs; tests and the bench force each one, since Auto picks by machine and size.</summary>
    public enum Kernel
    {
        Auto,   // the AVX2 wavefront where supported, the dense table unless it passes DenseTableLimitWords
        Scalar, // dense table, one column at a time
        Sparse, // masks built per column from the pattern's positions of the symbol
    }

    // 32 MB of masks: far above real traces (0.4 MB), and where a rented table stops being cheap.
    private const long DenseTableLimitWords = 1 << 22;

    public static int Distance(ReadOnlySpan<char> a, ReadOnlySpan<char> b, Kernel kernel) => Distance<char>(a, b, kernel);

    public static int Distance(ReadOnlySpan<int> a, ReadOnlySpan<int> b, Kernel kernel) => Distance<int>(a, b, kernel);

    // Generic over the symbol type; char and int both widen losslessly to uint, which keys the Peq map.
    private static int Distance<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Kernel kernel) where T : unmanaged, IBinaryInteger<T>
    {
        int prefix = a.CommonPrefixLength(b);
        a = a[prefix..];
        b = b[prefix..];
        int suffix = CommonSuffixLength(a, b);
        a = a[..^suffix];
        b = b[..^suffix];
        // The pattern (bit-vector side) is the shorter sequence: fewer words per column.
        if (a.Length > b.Length) return b.Length == 0 ? a.Length : BlockedDistance(b, a, kernel);
        return a.Length == 0 ? b.Length : BlockedDistance(a, b, kernel);
    }

    private static int CommonSuffixLength<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b) where T : unmanaged, IBinaryInteger<T>
    {
        int i = a.Length, j = b.Length;
        while (i > 0 && j > 0 && a[i - 1] == b[j - 1]) { i--; j--; }
        return a.Length - i;
    }

    // Guard words around the Peq table and the state vectors: the wavefront reads up to 3 words before and after a row
    // (and past the last state word), in lanes whose results are discarded.
    private const int Pad = 8;

    private static int BlockedDistance<T>(ReadOnlySpan<T> pattern, ReadOnlySpan<T> text, Kernel kernel) where T : unmanaged, IBinaryInteger<T>
    {
        int m = pattern.Length, n = text.Length;
        int words = (m + 63) >> 6;
        var map = new SymbolMap(m);
        int[] textRows = ArrayPool<int>.Shared.Rent(n);
        ulong[] state = ArrayPool<ulong>.Shared.Rent(2 * (words + Pad));
        try
        {
            int distinct = map.AddPattern(pattern);
            for (int j = 0; j < n; j++) textRows[j] = map.RowOf(uint.CreateTruncating(text[j]));
            if (kernel == Kernel.Sparse || (long)(distinct + 1) * words > DenseTableLimitWords)
                return SparseRun(pattern, map, distinct, state, textRows.AsSpan(0, n), words);
            return DenseRun(pattern, map, distinct, state, textRows.AsSpan(0, n), words, kernel == Kernel.Auto);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(textRows);
            ArrayPool<ulong>.Shared.Return(state);
            map.Dispose();
        }
    }

    private static int DenseRun<T>(ReadOnlySpan<T> pattern, SymbolMap map, int distinct, ulong[] state, Span<int> textRows,
        int words, bool vectorized) where T : unmanaged, IBinaryInteger<T>
    {
        // Row 0 stays zero: the mask of a text symbol that never occurs in the pattern.
        int peqLength = Pad + (distinct + 1) * words + Pad;
        ulong[] peq = ArrayPool<ulong>.Shared.Rent(peqLength);
        try
        {
            Array.Clear(peq, 0, peqLength);
            for (int i = 0; i < pattern.Length; i++)
                peq[Pad + map.RowOf(uint.CreateTruncating(pattern[i])) * words + (i >> 6)] |= 1UL << (i & 63);
            for (int j = 0; j < textRows.Length; j++) textRows[j] = Pad + textRows[j] * words;
            return Run(peq, state, textRows, pattern.Length, words, vectorized);
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(peq);
        }
    }

    /// <summary>
    /// For alphabets too large for a dense Peq table: the pattern positions of each symbol, grouped by symbol
    /// (counting sort), and one scratch mask that each column sets from its symbol's positions and clears after.
    /// </summary>
    private static int SparseRun<T>(ReadOnlySpan<T> pattern, SymbolMap map, int distinct, ulong[] stateArray,
        ReadOnlySpan<int> textRows, int words) where T : unmanaged, IBinaryInteger<T>
    {
        int m = pattern.Length;
        int[] starts = ArrayPool<int>.Shared.Rent(distinct + 2);
        int[] positions = ArrayPool<int>.Shared.Rent(m);
        int[] patternRows = ArrayPool<int>.Shared.Rent(m);
        ulong[] mask = ArrayPool<ulong>.Shared.Rent(words);
        try
        {
            Array.Clear(starts, 0, distinct + 2);
            Array.Clear(mask, 0, words);
            for (int i = 0; i < m; i++) starts[patternRows[i] = map.RowOf(uint.CreateTruncating(pattern[i]))]++;
            for (int r = 1; r <= distinct + 1; r++) starts[r] += starts[r - 1]; // starts[r] = end of row r
            for (int i = m - 1; i >= 0; i--) positions[--starts[patternRows[i]]] = i; // now starts[r] = start of row r

            ref ulong vp = ref MemoryMarshal.GetArrayDataReference(stateArray);
            ref ulong vn = ref Unsafe.Add(ref vp, words + Pad);
            InitState(ref vp, ref vn, words);
            int score = m, lastShift = (m - 1) & 63;
            foreach (int row in textRows)
            {
                var rowPositions = positions.AsSpan(starts[row], starts[row + 1] - starts[row]); // row 0: empty
                foreach (int i in rowPositions) mask[i >> 6] |= 1UL << (i & 63);
                score += Column(ref MemoryMarshal.GetArrayDataReference(mask), ref vp, ref vn, words, lastShift);
                foreach (int i in rowPositions) mask[i >> 6] = 0;
            }
            return score;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(starts);
            ArrayPool<int>.Shared.Return(positions);
            ArrayPool<int>.Shared.Return(patternRows);
            ArrayPool<ulong>.Shared.Return(mask);
        }
    }

    private static void InitState(ref ulong vp, ref ulong vn, int words)
    {
        // Column 0 of the table is D[i][0] = i: every vertical delta is +1.
        for (int w = 0; w < words + Pad; w++) { Unsafe.Add(ref vp, w) = ~0UL; Unsafe.Add(ref vn, w) = 0; }
    }

    /// <summary>
    /// The column loop. Per text symbol, each 64-row block computes the diagonal-zero vector D0 and the horizontal
    /// deltas HP/HN (Hyyrö 2003, fig. 3), then passes the horizontal delta at its bottom row to the next block as the
    /// carry (Myers 1999, section 4: an incoming −1 is folded into the match mask, an incoming +1/−1 is shifted into
    /// the HP/HN vectors). Row 0 of the table is D[0][j] = j, so the carry into the top block is always +1.
    /// </summary>
    private static int Run(ulong[] peqArray, ulong[] stateArray, ReadOnlySpan<int> textRows, int m, int words, bool vectorized)
    {
        // Unchecked refs: the loop bounds are the buffer sizes established above, and this is the hot loop
        // (⌈m/64⌉·n iterations: 14 million per pair of 30,000-char traces).
        ref ulong peq = ref MemoryMarshal.GetArrayDataReference(peqArray);
        ref ulong vp = ref MemoryMarshal.GetArrayDataReference(stateArray);
        ref ulong vn = ref Unsafe.Add(ref vp, words + Pad);
        InitState(ref vp, ref vn, words);

        int score = m, lastShift = (m - 1) & 63, j = 0;
        if (vectorized && Avx2.IsSupported)
        {
            for (; j + 16 <= textRows.Length; j += 16)
                score += Wavefront16(ref peq, ref vp, ref vn, textRows.Slice(j, 16), words, lastShift);
            for (; j + 4 <= textRows.Length; j += 4)
                score += Wavefront4(ref peq, ref vp, ref vn, textRows.Slice(j, 4), words, lastShift);
        }
        for (; j < textRows.Length; j++)
            score += Column(ref Unsafe.Add(ref peq, textRows[j]), ref vp, ref vn, words, lastShift);
        return score;
    }

    /// <summary>One text symbol through every block, one block after another; returns the change of D[m][j].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Column(ref ulong peq, ref ulong vp, ref ulong vn, int words, int lastShift)
    {
        ulong hpCarry = 1, hnCarry = 0;
        int last = words - 1;
        for (int w = 0; w < last; w++)
        {
            ulong x = Unsafe.Add(ref peq, w) | hnCarry;
            ulong pv = Unsafe.Add(ref vp, w), mv = Unsafe.Add(ref vn, w);
            ulong d0 = (((x & pv) + pv) ^ pv) | x | mv;
            ulong hp = mv | ~(d0 | pv);
            ulong hn = d0 & pv;
            ulong hpOut = hp >> 63, hnOut = hn >> 63;
            hp = (hp << 1) | hpCarry;
            hn = (hn << 1) | hnCarry;
            hpCarry = hpOut;
            hnCarry = hnOut;
            Unsafe.Add(ref vp, w) = hn | ~(d0 | hp);
            Unsafe.Add(ref vn, w) = hp & d0;
        }
        {
            ulong x = Unsafe.Add(ref peq, last) | hnCarry;
            ulong pv = Unsafe.Add(ref vp, last), mv = Unsafe.Add(ref vn, last);
            ulong d0 = (((x & pv) + pv) ^ pv) | x | mv;
            ulong hp = mv | ~(d0 | pv);
            ulong hn = d0 & pv;
            // The bottom row's horizontal delta moves D[m][j] (Hyyrö 2003, fig. 3, lines 8-9); HP and HN never share a
            // bit, so this is +1, -1 or 0.
            int delta = (int)((hp >> lastShift) & 1) - (int)((hn >> lastShift) & 1);
            hp = (hp << 1) | hpCarry;
            hn = (hn << 1) | hnCarry;
            Unsafe.Add(ref vp, last) = hn | ~(d0 | hp);
            Unsafe.Add(ref vn, last) = hp & d0;
            return delta;
        }
    }

    /// <summary>
    /// Sixteen text symbols as four <see cref="Wave"/>s of four, each four steps behind the one before: a wave's lane 0
    /// needs block s as the previous wave's lane 3 left it, which happened at that wave's step s + 3. One wave alone is
    /// bound by the latency of its step (lane shuffle, then the D0/HP/HN chain); independent waves fill those cycles.
    /// Measured CPU time for the bench's 28 pairs: one wave 0.77 s, two 0.38 s, three 0.28 s, four 0.26 s.
    /// </summary>
    private static int Wavefront16(ref ulong peq, ref ulong vp, ref ulong vn, ReadOnlySpan<int> rows, int words, int lastShift)
    {
        var first = new Wave(ref peq, rows[..4]);
        var second = new Wave(ref peq, rows[4..8]);
        var third = new Wave(ref peq, rows[8..12]);
        var fourth = new Wave(ref peq, rows[12..16]);
        int steps = words + 3, delta = 0; // per wave
        for (int s = 0; s < steps + 12; s++)
        {
            if (s < steps) delta += first.Step(s, ref vp, ref vn, words, lastShift);
            if (s >= 4 && s < steps + 4) delta += second.Step(s - 4, ref vp, ref vn, words, lastShift);
            if (s >= 8 && s < steps + 8) delta += third.Step(s - 8, ref vp, ref vn, words, lastShift);
            if (s >= 12) delta += fourth.Step(s - 12, ref vp, ref vn, words, lastShift);
        }
        return delta;
    }

    /// <summary>Four text symbols through every block as one <see cref="Wave"/>.</summary>
    private static int Wavefront4(ref ulong peq, ref ulong vp, ref ulong vn, ReadOnlySpan<int> rows, int words, int lastShift)
    {
        var wave = new Wave(ref peq, rows);
        int delta = 0;
        for (int s = 0; s < words + 3; s++) delta += wave.Step(s, ref vp, ref vn, words, lastShift);
        return delta;
    }

    /// <summary>
    /// Four consecutive text symbols at once, one per 64-bit lane, skewed by one block per lane (an anti-diagonal
    /// wavefront): at step s lane l works on block s − l of column j + l, whose input state is what lane l − 1 left
    /// in that block at step s − 1. The scalar <see cref="Column"/> is bound by the latency of the carry from one
    /// block to the next; here four independent carry chains share each instruction. Lanes outside 0 ≤ s − l &lt; words
    /// compute on guard words and are never read back.
    /// </summary>
    private ref struct Wave
    {
        private readonly ref ulong _p0, _p1, _p2, _p3; // Peq rows of the four symbols, lane l offset by −l blocks
        private Vector256<ulong> _pvOut, _mvOut, _hpCarry, _hnCarry;

        public Wave(ref ulong peq, ReadOnlySpan<int> rows)
        {
            _p0 = ref Unsafe.Add(ref peq, rows[0]);
            _p1 = ref Unsafe.Add(ref peq, rows[1] - 1);
            _p2 = ref Unsafe.Add(ref peq, rows[2] - 2);
            _p3 = ref Unsafe.Add(ref peq, rows[3] - 3);
        }

        /// <summary>Step s (0 ≤ s &lt; words + 3); returns the change of D[m][·] for the lane that finished its column.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Step(int s, ref ulong vp, ref ulong vn, int words, int lastShift)
        {
            // Lane 0 loads block s as column j - 1 left it; lanes 1-3 take their left neighbour's previous output.
            var pv = Avx2.Blend(Avx2.Permute4x64(_pvOut, 0b10_01_00_00).AsUInt32(),
                Vector256.CreateScalarUnsafe(Unsafe.Add(ref vp, s)).AsUInt32(), 0b11).AsUInt64();
            var mv = Avx2.Blend(Avx2.Permute4x64(_mvOut, 0b10_01_00_00).AsUInt32(),
                Vector256.CreateScalarUnsafe(Unsafe.Add(ref vn, s)).AsUInt32(), 0b11).AsUInt64();
            if (s < 4)
            {
                // Lane s enters block 0 now, below row 0 where the horizontal delta is always +1.
                var entering = Vector256.Create(s == 0 ? ~0UL : 0, s == 1 ? ~0UL : 0, s == 2 ? ~0UL : 0, s == 3 ? ~0UL : 0);
                _hpCarry = Vector256.ConditionalSelect(entering, Vector256<ulong>.One, _hpCarry);
                _hnCarry = Vector256.AndNot(_hnCarry, entering);
            }
            var x = Vector256.Create(Unsafe.Add(ref _p0, s), Unsafe.Add(ref _p1, s), Unsafe.Add(ref _p2, s), Unsafe.Add(ref _p3, s))
                | _hnCarry;
            var d0 = (((x & pv) + pv) ^ pv) | x | mv;
            var hp = mv | ~(d0 | pv);
            var hn = d0 & pv;
            int delta = 0;
            if (s >= words - 1)
            {
                int lane = s - (words - 1); // this lane is on the bottom block of its column
                delta = (int)((hp.GetElement(lane) >> lastShift) & 1) - (int)((hn.GetElement(lane) >> lastShift) & 1);
            }
            var hpOut = Vector256.ShiftRightLogical(hp, 63);
            var hnOut = Vector256.ShiftRightLogical(hn, 63);
            hp = Vector256.ShiftLeft(hp, 1) | _hpCarry;
            hn = Vector256.ShiftLeft(hn, 1) | _hnCarry;
            _hpCarry = hpOut;
            _hnCarry = hnOut;
            _pvOut = hn | ~(d0 | hp);
            _mvOut = hp & d0;
            if (s >= 3)
            {
                // Lane 3 (column j + 3) has finished block s - 3: that is the state the next group starts from.
                Unsafe.Add(ref vp, s - 3) = _pvOut.GetElement(3);
                Unsafe.Add(ref vn, s - 3) = _mvOut.GetElement(3);
            }
            return delta;
        }
    }

    /// <summary>
    /// Open-addressed map from symbol to Peq row (1-based; 0 means "not in the pattern"), sized for the pattern so that
    /// large alphabets (non-ASCII text, token ids) cost no more than small ones. Hand-written: the BCL dictionaries
    /// allocate per call, and this one rents its slots.
    /// </summary>
    private struct SymbolMap : IDisposable
    {
        private readonly uint[] _keys;
        private readonly int[] _rows; // 0 = empty slot
        private readonly int _mask;

        public SymbolMap(int patternLength)
        {
            // Load factor at most 1/2, since the distinct count is at most the pattern length.
            int capacity = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(8, 2 * patternLength));
            _keys = ArrayPool<uint>.Shared.Rent(capacity);
            _rows = ArrayPool<int>.Shared.Rent(capacity);
            Array.Clear(_rows, 0, capacity);
            _mask = capacity - 1;
        }

        /// <summary>Adds every symbol of the pattern; returns the number of distinct symbols.</summary>
        public int AddPattern<T>(ReadOnlySpan<T> pattern) where T : unmanaged, IBinaryInteger<T>
        {
            int distinct = 0;
            foreach (var symbol in pattern)
            {
                uint key = uint.CreateTruncating(symbol);
                int slot = Slot(key);
                while (_rows[slot] != 0 && _keys[slot] != key) slot = (slot + 1) & _mask;
                if (_rows[slot] == 0) { _keys[slot] = key; _rows[slot] = ++distinct; }
            }
            return distinct;
        }

        public readonly int RowOf(uint key)
        {
            int slot = Slot(key);
            while (_rows[slot] != 0)
            {
                if (_keys[slot] == key) return _rows[slot];
                slot = (slot + 1) & _mask;
            }
            return 0;
        }

        // Fibonacci hashing: spreads consecutive code points and token ids over the table.
        private readonly int Slot(uint key) => (int)((key * 2654435769u) >> 16) & _mask;

        public readonly void Dispose()
        {
            ArrayPool<uint>.Shared.Return(_keys);
            ArrayPool<int>.Shared.Return(_rows);
        }
    }
}

/// <summary>
/// The plain O(m·n) dynamic-programming table (Wagner and Fischer 1974), one row kept. The oracle for the property
/// test and the baseline for `ded bench levenshtein`; never used on the pipeline's hot path.
/// </summary>
public static class LevenshteinReference
{
    public static int Distance(ReadOnlySpan<char> a, ReadOnlySpan<char> b) => Distance<char>(a, b);

    public static int Distance(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => Distance<int>(a, b);

    private static int Distance<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b) where T : unmanaged, IEquatable<T>
    {
        int[] rented = ArrayPool<int>.Shared.Rent(b.Length + 1);
        try
        {
            Span<int> row = rented.AsSpan(0, b.Length + 1);
            for (int j = 0; j < row.Length; j++) row[j] = j;
            for (int i = 1; i <= a.Length; i++)
            {
                int diagonal = row[0]; // D[i-1][j-1]
                row[0] = i;
                T ai = a[i - 1];
                for (int j = 1; j < row.Length; j++)
                {
                    int up = row[j]; // D[i-1][j]
                    int substitute = diagonal + (ai.Equals(b[j - 1]) ? 0 : 1);
                    row[j] = Math.Min(substitute, Math.Min(up, row[j - 1]) + 1);
                    diagonal = up;
                }
            }
            return row[b.Length];
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rented);
        }
    }
}
