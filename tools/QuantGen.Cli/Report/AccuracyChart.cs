using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security;
using System.Text;

namespace QuantGen.Cli.Report;

/// <summary>One quantized model of a series: its bit width, its parameter bytes (the generated class's WeightBytes) and its accuracy.</summary>
public sealed record ChartPoint(int Bits, long Bytes, double Accuracy);

/// <summary>One method's models, one per bit width it can do.</summary>
public sealed record ChartSeries(string Label, IReadOnlyList<ChartPoint> Points);

/// <summary>
/// Accuracy against parameter bytes as a hand-written SVG, in two panels with log byte axes: the whole
/// accuracy range and every model on the left, and on the right the band where the good results crowd (the
/// top <see cref="ChartAxes.ZoomDepth"/>, shaded on the left panel) over the bytes of the models in it. Each method is a line through its bit widths
/// with its own colour, marker shape and fill (<see cref="ChartMarkers"/>); the float model is a black cross
/// with a dashed line at its accuracy; a legend names them all. Each marker carries a tooltip with its
/// figures. Deterministic: the same figures give the same bytes.
/// </summary>
public static class AccuracyChart
{
    private const int Width = 1180, Height = 540;
    private const int Top = 78, Bottom = 438, LegendX = 990;
    private static readonly (int Left, int Right) Whole = (70, 470), Zoom = (560, 960);

    /// <summary>Fails, as a usage error before any work, unless the chart's path ends in .svg: the one format it draws.</summary>
    public static void EnsureSvg(string path, string option)
    {
        if (!path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase))
        {
            throw CliException.Usage($"{option} {path}: the chart is drawn as SVG only; name it NAME.svg (a browser or rsvg-convert makes a PNG of it)");
        }
    }

    public static string Render(string title, IReadOnlyList<ChartSeries> series, ChartPoint? floatModel)
    {
        ChartPoint[] all = series.SelectMany(s => s.Points).Concat(floatModel is null ? [] : [floatModel]).ToArray();
        (double bytesLo, double bytesHi) = ChartAxes.ByteRange(all.Select(p => p.Bytes));
        (double zoomLo, double zoomHi) = ChartAxes.ZoomBand(all.Select(p => p.Accuracy));
        // The zoomed panel spreads out the quantized models in the band, in bytes too; the float model, far
        // to the right, stays in the whole panel (its accuracy is the dashed line in both).
        ChartPoint[] crowded = series.SelectMany(s => s.Points).Where(p => p.Accuracy >= zoomLo).ToArray();
        (double crowdLo, double crowdHi) = crowded.Length == 0 ? (bytesLo, bytesHi) : ChartAxes.ByteRange(crowded.Select(p => p.Bytes));
        var whole = new Panel(Whole.Left, Whole.Right, 0, 1, bytesLo, bytesHi);
        var zoom = new Panel(Zoom.Left, Zoom.Right, zoomLo, zoomHi, crowdLo, crowdHi);

        var svg = new StringBuilder();
        Line(svg, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"13\">");
        Line(svg, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>");
        Line(svg, $"<text x=\"{(Whole.Left + Zoom.Right) / 2}\" y=\"28\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">{Escape(title)}</text>");
        Line(svg, $"<text x=\"{(Whole.Left + Zoom.Right) / 2}\" y=\"50\" text-anchor=\"middle\" fill=\"#444444\">each line joins one method's bit widths, fewest bits (fewest bytes) on the left; hover a marker for its figures</text>");

        // The zoomed band, shaded where it lies in the whole range.
        Line(svg, $"<rect x=\"{whole.Left}\" y=\"{F(whole.Y(zoomHi))}\" width=\"{whole.Right - whole.Left}\" height=\"{F(whole.Y(zoomLo) - whole.Y(zoomHi))}\" fill=\"#fff3c4\"/>");
        Axes(svg, whole, 0.1, "0.0", "accuracy");
        Axes(svg, zoom, zoomHi - zoomLo > 0.1 ? 0.02 : 0.01, "0.00", $"accuracy, zoomed to {F(zoomLo, "0.00")} .. {F(zoomHi, "0.00")}");
        Line(svg, $"<text x=\"{whole.Right - 4}\" y=\"{F(whole.Y(zoomLo) - 4)}\" text-anchor=\"end\" font-size=\"11\" fill=\"#806000\">zoomed at right</text>");

        Line(svg, $"<clipPath id=\"zoom\"><rect x=\"{zoom.Left}\" y=\"{Top}\" width=\"{zoom.Right - zoom.Left}\" height=\"{Bottom - Top}\"/></clipPath>");
        foreach ((Panel panel, bool clip) in new[] { (whole, false), (zoom, true) })
        {
            if (clip)
            {
                Line(svg, "<g clip-path=\"url(#zoom)\">");
            }

            if (floatModel is not null)
            {
                double y = panel.Y(floatModel.Accuracy);
                Line(svg, $"<line x1=\"{panel.Left}\" y1=\"{F(y)}\" x2=\"{panel.Right}\" y2=\"{F(y)}\" stroke=\"#555555\" stroke-width=\"1.2\" stroke-dasharray=\"6 4\"/>");
                Marker(svg, ChartMarkers.Cross(panel.X(floatModel.Bytes), y), Tooltip("float32", floatModel));
            }

            for (int s = 0; s < series.Count; s++)
            {
                SeriesStyle style = ChartMarkers.Style(s);
                ChartPoint[] points = series[s].Points.OrderBy(p => p.Bits).ToArray();
                if (points.Length > 1)
                {
                    Line(svg, $"<polyline fill=\"none\" stroke=\"{style.Color}\" stroke-width=\"1.5\"{style.Dash} points=\"{string.Join(" ", points.Select(p => F(panel.X(p.Bytes)) + "," + F(panel.Y(p.Accuracy))))}\"/>");
                }

                foreach (ChartPoint p in points)
                {
                    Marker(svg, ChartMarkers.Draw(style, panel.X(p.Bytes), panel.Y(p.Accuracy)), Tooltip(series[s].Label, p));
                }
            }

            if (clip)
            {
                Line(svg, "</g>");
            }
        }

        Legend(svg, series, floatModel);
        Line(svg, "</svg>");
        return svg.ToString();
    }

    /// <summary>One panel's place on the page and the ranges it shows.</summary>
    private sealed record Panel(int Left, int Right, double Lo, double Hi, double BytesLo, double BytesHi)
    {
        // Outside the byte range a point lies beyond the edge, where the zoomed panel's clip hides it.
        public double X(double bytes) => Left + 10 + (Math.Log10(Math.Max(bytes, 1)) - Math.Log10(BytesLo)) / (Math.Log10(BytesHi) - Math.Log10(BytesLo)) * (Right - Left - 20);

        // Outside the range a point is drawn just beyond the edge, where the zoomed panel's clip hides it.
        public double Y(double accuracy) => Bottom - (Math.Clamp(accuracy, Lo - 1, Hi + 1) - Lo) / (Hi - Lo) * (Bottom - Top);
    }

    private static void Axes(StringBuilder svg, Panel panel, double step, string format, string label)
    {
        int count = (int)Math.Round((panel.Hi - panel.Lo) / step);
        for (int i = 0; i <= count; i++)
        {
            double value = panel.Lo + i * step;
            double y = panel.Y(value);
            Line(svg, $"<line x1=\"{panel.Left}\" y1=\"{F(y)}\" x2=\"{panel.Right}\" y2=\"{F(y)}\" stroke=\"#e4e4e4\"/>");
            Line(svg, $"<text x=\"{panel.Left - 8}\" y=\"{F(y + 4)}\" text-anchor=\"end\">{F(value, format)}</text>");
        }

        foreach (double tick in ChartAxes.ByteTicks(panel.BytesLo, panel.BytesHi))
        {
            double x = panel.X(tick);
            Line(svg, $"<line x1=\"{F(x)}\" y1=\"{Top}\" x2=\"{F(x)}\" y2=\"{Bottom}\" stroke=\"#f0f0f0\"/>");
            Line(svg, $"<line x1=\"{F(x)}\" y1=\"{Bottom}\" x2=\"{F(x)}\" y2=\"{Bottom + 5}\" stroke=\"black\"/>");
            Line(svg, $"<text x=\"{F(x)}\" y=\"{Bottom + 20}\" text-anchor=\"middle\">{ChartAxes.BytesLabel(tick)}</text>");
        }

        int middle = (Top + Bottom) / 2;
        Line(svg, $"<rect x=\"{panel.Left}\" y=\"{Top}\" width=\"{panel.Right - panel.Left}\" height=\"{Bottom - Top}\" fill=\"none\" stroke=\"black\"/>");
        Line(svg, $"<text x=\"{(panel.Left + panel.Right) / 2}\" y=\"{Bottom + 45}\" text-anchor=\"middle\">parameter bytes (the generated class's WeightBytes, log scale)</text>");
        Line(svg, $"<text x=\"{panel.Left - 50}\" y=\"{middle}\" text-anchor=\"middle\" transform=\"rotate(-90 {panel.Left - 50} {middle})\">{Escape(label)}</text>");
    }

    private static void Legend(StringBuilder svg, IReadOnlyList<ChartSeries> series, ChartPoint? floatModel)
    {
        int y = Top + 8;
        if (floatModel is not null)
        {
            Line(svg, $"<line x1=\"{LegendX}\" y1=\"{y}\" x2=\"{LegendX + 28}\" y2=\"{y}\" stroke=\"#555555\" stroke-width=\"1.2\" stroke-dasharray=\"6 4\"/>");
            Line(svg, ChartMarkers.Cross(LegendX + 14, y));
            Line(svg, $"<text x=\"{LegendX + 36}\" y=\"{y + 4}\">float32 ({F(floatModel.Accuracy, "0.0000")})</text>");
            y += 22;
        }

        for (int s = 0; s < series.Count; s++)
        {
            SeriesStyle style = ChartMarkers.Style(s);
            Line(svg, $"<line x1=\"{LegendX}\" y1=\"{y}\" x2=\"{LegendX + 28}\" y2=\"{y}\" stroke=\"{style.Color}\" stroke-width=\"1.5\"{style.Dash}/>");
            Line(svg, ChartMarkers.Draw(style, LegendX + 14, y));
            Line(svg, $"<text x=\"{LegendX + 36}\" y=\"{y + 4}\">{Escape(series[s].Label)}</text>");
            y += 22;
        }
    }

    private static string Tooltip(string label, ChartPoint p) =>
        string.Create(CultureInfo.InvariantCulture, $"{label}, {p.Bits} bit{(p.Bits == 1 ? "" : "s")}: accuracy {p.Accuracy:0.0000}, {p.Bytes:N0} bytes");

    private static void Marker(StringBuilder svg, string shape, string tooltip) =>
        Line(svg, $"<g><title>{Escape(tooltip)}</title>{shape}</g>");

    private static string F(double v, string format = "0.##") => v.ToString(format, CultureInfo.InvariantCulture);

    private static string Escape(string text) => SecurityElement.Escape(text);

    private static void Line(StringBuilder svg, string line) => svg.Append(line).Append('\n');
}
