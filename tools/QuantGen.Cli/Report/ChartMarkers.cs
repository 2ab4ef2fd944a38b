using System;
using System.Globalization;
using System.Linq;

namespace QuantGen.Cli.Report;

/// <summary>How one series is drawn: a colour, a marker shape, filled or hollow, and a solid or dashed line.</summary>
public readonly record struct SeriesStyle(string Color, int Shape, bool Hollow)
{
    public string Dash => Hollow ? " stroke-dasharray=\"5 3\"" : "";
}

/// <summary>
/// Styles that keep up to 14 series apart without relying on colour alone: 7 colours (Okabe and Ito's
/// palette for colour-blind readers, yellow left out for white paper) times 7 marker shapes, the first 7
/// series filled with solid lines, the next 7 hollow with dashed lines. Within each group of 7 every series
/// has its own colour and its own shape; series s and s + 7 share a colour but differ in shape, fill and line.
/// </summary>
public static class ChartMarkers
{
    public const int ShapeCount = 7;

    private static readonly string[] Colors = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];

    public static SeriesStyle Style(int series)
    {
        int round = series / Colors.Length;
        return new SeriesStyle(Colors[series % Colors.Length], (series + 3 * round) % ShapeCount, Hollow: round % 2 == 1);
    }

    /// <summary>The marker of <paramref name="style"/> centred on (x, y), about 10 px across.</summary>
    public static string Draw(SeriesStyle style, double x, double y)
    {
        string paint = style.Hollow
            ? $"fill=\"white\" stroke=\"{style.Color}\" stroke-width=\"1.6\""
            : $"fill=\"{style.Color}\" stroke=\"{style.Color}\" stroke-width=\"0.8\"";
        return style.Shape switch
        {
            0 => $"<circle cx=\"{F(x)}\" cy=\"{F(y)}\" r=\"4.5\" {paint}/>",
            1 => $"<rect x=\"{F(x - 4)}\" y=\"{F(y - 4)}\" width=\"8\" height=\"8\" {paint}/>",
            2 => Polygon(x, y, [(0, -5.5), (5, 3.5), (-5, 3.5)], paint),
            3 => Polygon(x, y, [(0, -5.5), (5.5, 0), (0, 5.5), (-5.5, 0)], paint),
            4 => Polygon(x, y, [(0, 5.5), (5, -3.5), (-5, -3.5)], paint),
            5 => Polygon(x, y, Regular(5, 5.2, 0), paint),
            _ => Polygon(x, y, Star(5.8, 2.6), paint),
        };
    }

    /// <summary>The float model's marker: a black cross, a shape no series uses.</summary>
    public static string Cross(double x, double y) =>
        $"<path d=\"M{F(x - 5)},{F(y - 5)}L{F(x + 5)},{F(y + 5)}M{F(x - 5)},{F(y + 5)}L{F(x + 5)},{F(y - 5)}\" stroke=\"black\" stroke-width=\"2.2\"/>";

    private static (double, double)[] Regular(int corners, double radius, double turn) =>
        Enumerable.Range(0, corners).Select(i => Corner(radius, turn + (2 * Math.PI * i / corners))).ToArray();

    private static (double, double)[] Star(double outer, double inner) =>
        Enumerable.Range(0, 10).Select(i => Corner(i % 2 == 0 ? outer : inner, Math.PI * i / 5)).ToArray();

    // Angle 0 points up.
    private static (double, double) Corner(double radius, double angle) => (radius * Math.Sin(angle), -radius * Math.Cos(angle));

    private static string Polygon(double x, double y, (double Dx, double Dy)[] corners, string paint) =>
        $"<polygon points=\"{string.Join(" ", corners.Select(c => F(x + c.Dx) + "," + F(y + c.Dy)))}\" {paint}/>";

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
}
