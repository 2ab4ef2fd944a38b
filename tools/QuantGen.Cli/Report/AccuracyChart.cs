using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security;
using System.Text;

namespace QuantGen.Cli.Report;

/// <summary>One method's accuracies by bit width; a missing bit width (the method cannot do it) breaks the line.</summary>
public sealed record ChartSeries(string Label, IReadOnlyDictionary<int, double> Accuracy);

/// <summary>
/// Accuracy against bits as a hand-written SVG: bit widths evenly spaced on x (1, 2, 3, 4, 8 are categories,
/// not a scale), accuracy 0..1 on y with a grid every 0.1, one polyline with markers per method, the float
/// model as a dashed reference line, and a legend on the right. Deterministic: the same figures give the same bytes.
/// </summary>
public static class AccuracyChart
{
    private const int Width = 860, Height = 480;
    private const int Left = 70, Right = 620, Top = 50, Bottom = 410;

    // Colour-blind-friendly categorical palette (Okabe-Ito, then Tol's), cycled with marker shapes.
    private static readonly string[] Colors = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#882255", "#44AA99", "#999933", "#AA4499", "#332288", "#117733", "#6699CC"];

    public static string Render(string title, IReadOnlyList<int> bits, IReadOnlyList<ChartSeries> series, double? floatAccuracy)
    {
        var svg = new StringBuilder();
        Line(svg, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"13\">");
        Line(svg, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>");
        Line(svg, $"<text x=\"{(Left + Right) / 2}\" y=\"28\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">{Escape(title)}</text>");

        // Grid and y axis: accuracy 0.0 .. 1.0.
        for (int i = 0; i <= 10; i++)
        {
            double y = Y(i / 10.0);
            Line(svg, $"<line x1=\"{Left}\" y1=\"{F(y)}\" x2=\"{Right}\" y2=\"{F(y)}\" stroke=\"#e4e4e4\"/>");
            Line(svg, $"<text x=\"{Left - 8}\" y=\"{F(y + 4)}\" text-anchor=\"end\">{F(i / 10.0, "0.0")}</text>");
        }

        for (int i = 0; i < bits.Count; i++)
        {
            double x = X(i, bits.Count);
            Line(svg, $"<line x1=\"{F(x)}\" y1=\"{Bottom}\" x2=\"{F(x)}\" y2=\"{Bottom + 5}\" stroke=\"black\"/>");
            Line(svg, $"<text x=\"{F(x)}\" y=\"{Bottom + 20}\" text-anchor=\"middle\">{bits[i]}</text>");
        }

        Line(svg, $"<line x1=\"{Left}\" y1=\"{Bottom}\" x2=\"{Right}\" y2=\"{Bottom}\" stroke=\"black\"/>");
        Line(svg, $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Bottom}\" stroke=\"black\"/>");
        Line(svg, $"<text x=\"{(Left + Right) / 2}\" y=\"{Bottom + 45}\" text-anchor=\"middle\">bits (weights and activations)</text>");
        Line(svg, $"<text x=\"18\" y=\"{(Top + Bottom) / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 18 {(Top + Bottom) / 2})\">accuracy</text>");

        int legendY = Top + 10;
        if (floatAccuracy is double f)
        {
            Line(svg, $"<line x1=\"{Left}\" y1=\"{F(Y(f))}\" x2=\"{Right}\" y2=\"{F(Y(f))}\" stroke=\"#555555\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>");
            Line(svg, $"<line x1=\"{Right + 20}\" y1=\"{legendY}\" x2=\"{Right + 48}\" y2=\"{legendY}\" stroke=\"#555555\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>");
            Line(svg, $"<text x=\"{Right + 56}\" y=\"{legendY + 4}\">float32 ({F(f, "0.0000")})</text>");
            legendY += 22;
        }

        for (int s = 0; s < series.Count; s++)
        {
            string color = Colors[s % Colors.Length];
            int marker = s / Colors.Length % 3 == 0 ? s % 3 : (s + 1) % 3;
            foreach (List<(double X, double Y)> segment in Segments(series[s], bits))
            {
                if (segment.Count > 1)
                {
                    Line(svg, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{string.Join(" ", segment.Select(p => F(p.X) + "," + F(p.Y)))}\"/>");
                }

                foreach ((double x, double y) in segment)
                {
                    Line(svg, Marker(marker, x, y, color));
                }
            }

            Line(svg, $"<line x1=\"{Right + 20}\" y1=\"{legendY}\" x2=\"{Right + 48}\" y2=\"{legendY}\" stroke=\"{color}\" stroke-width=\"2\"/>");
            Line(svg, Marker(marker, Right + 34, legendY, color));
            Line(svg, $"<text x=\"{Right + 56}\" y=\"{legendY + 4}\">{Escape(series[s].Label)}</text>");
            legendY += 22;
        }

        Line(svg, "</svg>");
        return svg.ToString();
    }

    private static IEnumerable<List<(double X, double Y)>> Segments(ChartSeries series, IReadOnlyList<int> bits)
    {
        var segment = new List<(double, double)>();
        for (int i = 0; i < bits.Count; i++)
        {
            if (series.Accuracy.TryGetValue(bits[i], out double a))
            {
                segment.Add((X(i, bits.Count), Y(a)));
            }
            else if (segment.Count > 0)
            {
                yield return segment;
                segment = [];
            }
        }

        if (segment.Count > 0)
        {
            yield return segment;
        }
    }

    private static string Marker(int kind, double x, double y, string color) => kind switch
    {
        0 => $"<circle cx=\"{F(x)}\" cy=\"{F(y)}\" r=\"4\" fill=\"{color}\"/>",
        1 => $"<rect x=\"{F(x - 4)}\" y=\"{F(y - 4)}\" width=\"8\" height=\"8\" fill=\"{color}\"/>",
        _ => $"<polygon points=\"{F(x)},{F(y - 5)} {F(x + 5)},{F(y + 4)} {F(x - 5)},{F(y + 4)}\" fill=\"{color}\"/>",
    };

    private static double X(int index, int count) => count == 1 ? (Left + Right) / 2.0 : Left + 30 + index * (Right - Left - 60) / (double)(count - 1);

    private static double Y(double accuracy) => Bottom - Math.Clamp(accuracy, 0, 1) * (Bottom - Top);

    private static string F(double v, string format = "0.##") => v.ToString(format, CultureInfo.InvariantCulture);

    private static string Escape(string text) => SecurityElement.Escape(text);

    private static void Line(StringBuilder svg, string line) => svg.Append(line).Append('\n');
}
