using System.Globalization;
using System.Linq;
using System.Xml.Linq;
using QuantGen.Cli.Report;
using Xunit;

namespace QuantGen.Tests.Cli;

/// <summary>The report's chart: accuracy against weight bytes, a zoomed band, and 14 series a reader can tell apart.</summary>
public sealed class AccuracyChartTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void Fourteen_series_differ_in_colour_and_shape_and_pairs_sharing_a_colour_differ_in_shape_fill_and_line()
    {
        SeriesStyle[] styles = Enumerable.Range(0, 14).Select(ChartMarkers.Style).ToArray();
        Assert.Equal(14, styles.Distinct().Count());
        foreach (SeriesStyle[] group in new[] { styles[..7], styles[7..] })
        {
            Assert.Equal(7, group.Select(s => s.Color).Distinct().Count());
            Assert.Equal(7, group.Select(s => s.Shape).Distinct().Count());
            Assert.Single(group.Select(s => s.Hollow).Distinct());
        }

        for (int s = 0; s < 7; s++)
        {
            Assert.Equal(styles[s].Color, styles[s + 7].Color);
            Assert.NotEqual(styles[s].Shape, styles[s + 7].Shape);
            Assert.NotEqual(styles[s].Hollow, styles[s + 7].Hollow);
            Assert.NotEqual(styles[s].Dash, styles[s + 7].Dash);
        }

        // Every shape draws differently.
        Assert.Equal(ChartMarkers.ShapeCount, Enumerable.Range(0, ChartMarkers.ShapeCount).Select(k => ChartMarkers.Draw(new SeriesStyle("#000000", k, false), 0, 0)).Distinct().Count());
    }

    [Fact]
    public void Points_go_by_bytes_on_a_log_axis_and_the_crowded_top_is_zoomed()
    {
        var series = new ChartSeries("m", [new ChartPoint(4, 4000, 0.97), new ChartPoint(1, 1000, 0.1), new ChartPoint(2, 2000, 0.95)]);
        string chart = AccuracyChart.Render("t", [series], new ChartPoint(32, 16000, 0.97));
        XDocument svg = XDocument.Parse(chart);
        Assert.Equal(chart, AccuracyChart.Render("t", [series], new ChartPoint(32, 16000, 0.97)));

        // Two polylines for the one series: the whole range, then the zoomed band inside the clip.
        XElement[] lines = svg.Descendants(Svg + "polyline").ToArray();
        Assert.Equal(2, lines.Length);
        XElement clipped = Assert.Single(svg.Descendants(Svg + "g"), g => (string?)g.Attribute("clip-path") == "url(#zoom)");
        Assert.Same(lines[1].Parent, clipped);
        Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value == "accuracy, zoomed to 0.91 .. 0.98");

        foreach (XElement line in lines)
        {
            // In bit order; x by bytes on a log scale: 1000 -> 2000 is the same step as 2000 -> 4000.
            double[][] p = ((string)line.Attribute("points")!).Split(' ').Select(xy => xy.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
            Assert.Equal(p[1][0] - p[0][0], p[2][0] - p[1][0], 1);
            Assert.True(p[2][1] < p[1][1] && p[1][1] < p[0][1], "higher accuracy is drawn higher");
        }

        // The zoomed panel spans the bytes of the models in its band (2,000 and 4,000), not the float model's 16,000: a doubling is wider there.
        double Step(XElement line) => ((string)line.Attribute("points")!).Split(' ').Select(xy => double.Parse(xy.Split(',')[0], CultureInfo.InvariantCulture)).ToArray() is [_, double a, double b] ? b - a : 0;
        Assert.True(Step(lines[1]) > 2 * Step(lines[0]));

        double[] Ys(XElement line) => ((string)line.Attribute("points")!).Split(' ').Select(xy => double.Parse(xy.Split(',')[1], CultureInfo.InvariantCulture)).ToArray();
        double[] whole = Ys(lines[0]), zoom = Ys(lines[1]);
        // 0.95 and 0.97 are 0.02 apart: a few pixels in the whole range, a quarter of the zoomed panel.
        Assert.True(whole[1] - whole[2] < 10);
        Assert.True(zoom[1] - zoom[2] > 80);
        // 0.1 lies below the zoomed band: past the panel's bottom edge, where the clip hides it.
        XElement clip = svg.Descendants(Svg + "clipPath").Single().Element(Svg + "rect")!;
        double bottom = double.Parse((string)clip.Attribute("y")!, CultureInfo.InvariantCulture) + double.Parse((string)clip.Attribute("height")!, CultureInfo.InvariantCulture);
        Assert.True(zoom[0] > bottom);
        Assert.True(zoom[1] < bottom && zoom[2] < bottom);

        // Each marker says its figures on hover; the legend names the float model and the series.
        Assert.Contains(svg.Descendants(Svg + "title"), t => t.Value == "m, 4 bits: accuracy 0.9700, 4,000 bytes");
        Assert.Contains(svg.Descendants(Svg + "title"), t => t.Value == "float32, 32 bits: accuracy 0.9700, 16,000 bytes");
        Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value == "m");
    }

    [Fact]
    public void Byte_ticks_are_one_two_five_times_a_power_of_ten()
    {
        Assert.Equal([5000, 10000, 20000, 50000], ChartAxes.ByteTicks(4000, 90000));
        Assert.Equal(["5k", "10k", "20k", "1.5M", "500"], new[] { 5000, 10000, 20000, 1_500_000, 500 }.Select(b => ChartAxes.BytesLabel(b)));
        Assert.Equal((0.91, 0.98), ChartAxes.ZoomBand([0.2, 0.97, 0.95]));
        Assert.Equal((0.94, 1.0), ChartAxes.ZoomBand([1.0]));
    }
}
