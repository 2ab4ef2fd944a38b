using System;
using QuantGen.Generator.Layouts;
using QuantGen.Generator.Model;
using QuantGen.Schema;

namespace QuantGen.Generator.Emit;

internal static partial class Emitter
{
    /// <summary>The call of a fast kernel; <paramref name="original"/> is the layer's input before its quantizer (the xnor kernel codes it itself).</summary>
    private static string FastKernelCall(LayerPlan layer, string original, string source, string destination, string data, string bias)
    {
        int cols = layer.InputLength;
        if (layer.Kernel == KernelKind.DenseXnor)
        {
            QuantizerPlan q = layer.Quantizer!;
            return XnorCall(original, destination, data, layer.Bits, bias, q.Bits, q.Cycles, $"row.Slice(0, {layer.RowScratch})");
        }

        if (layer.Kernel == KernelKind.DenseInt8)
        {
            QuantizerPlan q = layer.Quantizer!;
            return $"{Runtime}.Int8.Dense({original}, {destination}, global::System.Runtime.InteropServices.MemoryMarshal.Cast<byte, sbyte>({data}Int8Codes), lo: {Literals.Float(q.Lo)}, hi: {Literals.Float(q.Hi)}, {data}Int8Product, {data}Int8Constant, {data}Int8PerSum, {bias}, row.Slice(0, {layer.RowScratch}))";
        }

        return $"{Runtime}.PlaneLut.Dense({source}, {destination}, {data}LutPlanes, planeCount: {layer.Planes}, {data}LutPlaneScales, {data}LutSumScales, {bias}, row.Slice(0, {KernelLayouts.LutTableFloats(cols)}))";
    }

    /// <summary>
    /// The xor-popcount kernel call of a dense layer or a recurrent matrix (tensors <paramref name="data"/>XnorPlanes
    /// and Coefficients): it codes <paramref name="x"/> online (alternating, <paramref name="activationBits"/> bits) itself.
    /// </summary>
    private static string XnorCall(string x, string y, string data, int weightBits, string bias, int activationBits, int cycles, string scratch) =>
        $"{Runtime}.Xnor.Dense({x}, {y}, global::System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ulong>({data}XnorPlanes), weightBits: {weightBits}, {data}Coefficients, {bias}, activationBits: {activationBits}, cycles: {cycles}, {scratch})";

    /// <summary>Writes a tensor the Planner repacked for a fast kernel (generator Layouts/KernelLayouts).</summary>
    private static void WriteRepacked(byte[] blob, LayerPlan layer, TensorPlan tensor, Dense dense)
    {
        Weights weights = dense.Weights;
        switch (tensor.Role)
        {
            case TensorRole.LutPlanes:
            case TensorRole.LutPlaneScales:
            case TensorRole.LutSumScales:
                LutWeights lut = KernelLayouts.Lut(weights, dense.OutFeatures, dense.InFeatures);
                if (tensor.Role == TensorRole.LutPlanes)
                {
                    lut.Bits.CopyTo(blob, tensor.Offset);
                }
                else
                {
                    float[] values = tensor.Role == TensorRole.LutPlaneScales ? lut.PlaneScales : lut.SumScales;
                    Buffer.BlockCopy(LittleEndian(values), 0, blob, tensor.Offset, values.Length * 4);
                }

                break;
            case TensorRole.Int8Codes:
            case TensorRole.Int8Product:
            case TensorRole.Int8Constant:
            case TensorRole.Int8PerSum:
                QuantizerPlan q = layer.Quantizer!;
                Int8Weights int8 = KernelLayouts.Int8(weights.Uniform, dense.OutFeatures, dense.InFeatures, q.Lo, q.Hi);
                if (tensor.Role == TensorRole.Int8Codes)
                {
                    int8.Codes.CopyTo(blob, tensor.Offset);
                }
                else
                {
                    float[] values = tensor.Role == TensorRole.Int8Product ? int8.Product : tensor.Role == TensorRole.Int8Constant ? int8.Constant : int8.PerSum;
                    Buffer.BlockCopy(LittleEndian(values), 0, blob, tensor.Offset, values.Length * 4);
                }

                break;
            default:
                throw new InvalidOperationException("no writer for tensor role " + tensor.Role);
        }
    }

    private static byte[] LittleEndian(float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            byte[] one = BitConverter.GetBytes(values[i]);
            if (!BitConverter.IsLittleEndian)
            {
                Array.Reverse(one);
            }

            one.CopyTo(bytes, 4 * i);
        }

        return bytes;
    }
}
