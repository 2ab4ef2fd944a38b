using System;
using System.Linq;
using QuantGen.Quantizer.Methods;
using QuantGen.Runtime;

// MSE of the paper's alternating coder (2 cycles), the split search, and the exact optimum, on Gaussian rows of 1024.
int rows2 = int.Parse(args[0]), rows3 = int.Parse(args[1]);
int n3 = int.Parse(args[2]);
var random = new Random(2024);
double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
foreach (int bits in new[] { 2, 3 })
{
    if (bits == 3 && n3 == 0) { n3 = -1024; }
    int rows = bits == 2 ? rows2 : rows3;
    int n = bits == 2 ? 1024 : Math.Abs(n3);
    double sa = 0, ss = 0, so = 0;
    int hits = 0;
    for (int r = 0; r < rows; r++)
    {
        float[] x = Enumerable.Range(0, n).Select(_ => (float)Gaussian()).ToArray();
        var alphas = new float[bits]; var codes = new byte[n];
        AlternatingQuantizer.QuantizePortable(x, bits, 2, alphas, new float[n], codes);
        double alt = AlternatingQuantizer.SquaredError(x, codes, alphas) / n;
        MultiBitSplitSearch.Code(x, bits, alphas, codes);
        double split = AlternatingQuantizer.SquaredError(x, codes, alphas) / n;
        double opt = n3 > 0 || bits == 2 ? Optimum(x, bits) / n : split; // n3 < 0: no optimum, ratios are to the split search
        sa += alt / opt; ss += split / opt; so += 1;
        if (split <= opt * (1 + 1e-6)) hits++;
        Console.WriteLine($"bits {bits} row {r}: alternating {alt:F6} split {split:F6} optimum {opt:F6}");
    }
    Console.WriteLine($"bits {bits}: {rows} rows, mean MSE / optimum: alternating {sa / rows:F4}, split search {ss / rows:F4}; split search at the optimum on {hits} rows");
}

// Exact: the sums are symmetric, so fold to |x| sorted; the optimum cuts the sorted |x| into 2^(k-1) contiguous groups,
// patterns in ascending order of value for alphas a1 >= a2 (>= a3) >= 0: 2 bits [(+-), (++)]; 3 bits [+-(+--), (+-+), (++-), (+++)].
// Every cut position (and both signs of the smallest 3-bit group) is scored by least squares from prefix sums.
static double Optimum(float[] x, int bits)
{
    int n = x.Length;
    double[] m = x.Select(v => Math.Abs((double)v)).OrderBy(v => v).ToArray();
    var p = new double[n + 1];
    double sq = 0;
    for (int i = 0; i < n; i++) { p[i + 1] = p[i] + m[i]; sq += m[i] * m[i]; }
    double best = double.PositiveInfinity;
    if (bits == 2)
    {
        int[][] pats = [[1, -1], [1, 1]];
        for (int c = 0; c <= n; c++) best = Math.Min(best, Ls(pats, [0, c, n], p, sq));
        return best;
    }

    foreach (int sign in new[] { 1, -1 })
    {
        int[][] pats = [[sign, -sign, -sign], [1, -1, 1], [1, 1, -1], [1, 1, 1]];
        var cuts = new int[5];
        cuts[4] = n;
        for (int a = 0; a <= n; a++)
            for (int b = a; b <= n; b++)
                for (int c = b; c <= n; c++)
                {
                    cuts[1] = a; cuts[2] = b; cuts[3] = c;
                    double e = Ls(pats, cuts, p, sq);
                    if (e < best) best = e;
                }
    }

    return best;
}

static double Ls(int[][] pats, int[] cuts, double[] p, double sq)
{
    int k = pats[0].Length;
    Span<double> g = stackalloc double[9]; Span<double> r = stackalloc double[3];
    g.Clear(); r.Clear();
    for (int q = 0; q < pats.Length; q++)
    {
        int cnt = cuts[q + 1] - cuts[q]; double s = p[cuts[q + 1]] - p[cuts[q]];
        for (int a = 0; a < k; a++) { r[a] += s * pats[q][a]; for (int b = 0; b < k; b++) g[a * k + b] += cnt * pats[q][a] * pats[q][b]; }
    }
    // Cholesky; singular systems are skipped (their errors are reached with a group less, by other cuts).
    Span<double> l = stackalloc double[9]; l.Clear();
    for (int a = 0; a < k; a++)
        for (int b = 0; b <= a; b++)
        {
            double s = g[a * k + b];
            for (int t = 0; t < b; t++) s -= l[a * k + t] * l[b * k + t];
            if (a == b) { if (!(s > 1e-9 * g[a * k + a])) return double.PositiveInfinity; l[a * k + a] = Math.Sqrt(s); }
            else l[a * k + b] = s / l[b * k + b];
        }
    double explained = 0; Span<double> z = stackalloc double[3];
    for (int a = 0; a < k; a++) { double s = r[a]; for (int t = 0; t < a; t++) s -= l[a * k + t] * z[t]; z[a] = s / l[a * k + a]; explained += z[a] * z[a]; }
    return sq - explained;
}
