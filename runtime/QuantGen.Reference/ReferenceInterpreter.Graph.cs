using System;
using QuantGen.Schema;

namespace QuantGen.Reference;

/// <summary>Add and Concat (the layers where a graph joins), Clip, LeakyRelu and average pooling, as quantgen.proto defines them.</summary>
public sealed partial class ReferenceInterpreter
{
    /// <summary>Add: float32 sums, left to right; Concat: the inputs one after another.</summary>
    private static float[] Join(Layer layer, float[][] reads)
    {
        if (layer.OpCase == Layer.OpOneofCase.Concat)
        {
            int length = 0;
            foreach (float[] r in reads)
            {
                length += r.Length;
            }

            var joined = new float[length];
            int at = 0;
            foreach (float[] r in reads)
            {
                Array.Copy(r, 0, joined, at, r.Length);
                at += r.Length;
            }

            return joined;
        }

        float[] sum = (float[])reads[0].Clone();
        for (int k = 1; k < reads.Length; k++)
        {
            for (int i = 0; i < sum.Length; i++)
            {
                sum[i] += reads[k][i];
            }
        }

        return sum;
    }

    private static float[] RunElementOrPool(Layer layer, float[] x)
    {
        switch (layer.OpCase)
        {
            case Layer.OpOneofCase.Clip:
            {
                float lo = layer.Clip.Min, hi = layer.Clip.Max;
                // Comparisons are false for NaN, so NaN passes through unchanged.
                return Array.ConvertAll(x, v => v < lo ? lo : v > hi ? hi : v);
            }

            case Layer.OpOneofCase.LeakyRelu:
            {
                float alpha = layer.LeakyRelu.Alpha;
                return Array.ConvertAll(x, v => v < 0f ? alpha * v : v);
            }

            case Layer.OpOneofCase.AvgPool2D:
            {
                AvgPool2d p = layer.AvgPool2D;
                return AveragePool(x, p.Channels, p.Height, p.Width, p.KernelH, p.KernelW, p.StrideH, p.StrideW, p.PaddingH, p.PaddingW, p.CountIncludePad);
            }

            default:
            {
                GlobalAvgPool2d p = layer.GlobalAvgPool2D;
                return AveragePool(x, p.Channels, p.Height, p.Width, p.Height, p.Width, 1, 1, 0, 0, countIncludePad: true);
            }
        }
    }

    /// <summary>Each window's sum in double, divided by its size (or by its positions inside the input), rounded once.</summary>
    private static float[] AveragePool(float[] x, int channels, int height, int width, int kh, int kw, int sh, int sw, int ph, int pw, bool countIncludePad)
    {
        int oh = (int)LayerShapes.Out(height, kh, sh, ph);
        int ow = (int)LayerShapes.Out(width, kw, sw, pw);
        var y = new float[channels * oh * ow];
        for (int ch = 0; ch < channels; ch++)
        {
            for (int r = 0; r < oh; r++)
            {
                for (int col = 0; col < ow; col++)
                {
                    double sum = 0;
                    int inside = 0;
                    for (int ky = 0; ky < kh; ky++)
                    {
                        for (int kx = 0; kx < kw; kx++)
                        {
                            int iy = r * sh - ph + ky;
                            int ix = col * sw - pw + kx;
                            if (iy >= 0 && iy < height && ix >= 0 && ix < width)
                            {
                                sum += x[(ch * height + iy) * width + ix];
                                inside++;
                            }
                        }
                    }

                    y[(ch * oh + r) * ow + col] = (float)(sum / (countIncludePad ? kh * kw : inside));
                }
            }
        }

        return y;
    }
}
