using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace QuantGen.Schema;

/// <summary>
/// Step two of a description's journey: a parsed <see cref="Model"/> -> the list of what is wrong with it.
/// An empty list means the generator, the reference interpreter and the tools may all trust the model:
/// shapes chain, counts match shapes and bit widths, every parameter is finite and in range, and no
/// size is so large that acting on it would exhaust memory.
/// </summary>
public static partial class DescriptionValidator
{
    public const string SchemaVersion = "quantgen.v1";

    /// <summary>The largest activation vector a model may have (16 Mi values).</summary>
    public const long MaxActivationLength = 1L << 24;

    /// <summary>The largest weight tensor a model may have (256 Mi values, 1 GiB as float32).</summary>
    public const long MaxTensorLength = 1L << 28;

    public const int MaxBits = 8;
    public const int MaxCycles = 64;

    /// <summary>The most layers a model may have: each becomes code, and the compiler's cost follows it.</summary>
    public const int MaxLayers = 10_000;

    /// <summary>The longest name (model, layer, input, output): the model's name becomes a string literal.</summary>
    public const int MaxNameLength = 1024;

    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> is cancelled.</exception>
    public static IReadOnlyList<DescriptionError> Validate(Model model, JsonLocator locator, CancellationToken cancellationToken = default)
    {
        var context = new Context(locator, cancellationToken);
        ValidateModel(model, context);
        return context.Errors;
    }

    private static void ValidateModel(Model model, Context c)
    {
        if (model.Schema.Length == 0)
        {
            c.Add(DescriptionErrorCode.MissingField, "schema", $"the field \"schema\" is missing; it must be \"{SchemaVersion}\"");
        }
        else if (model.Schema != SchemaVersion)
        {
            c.Add(DescriptionErrorCode.UnsupportedSchema, "schema", $"schema \"{Shorten(model.Schema)}\" is not supported; this version reads \"{SchemaVersion}\"");
        }

        RequireNameLength(model.Name, "name", c);
        long inputLength = ValidateSingleTensor(model.Inputs, "inputs", c);
        long outputLength = ValidateSingleTensor(model.Outputs, "outputs", c);
        if (model.Layers.Count == 0)
        {
            c.Add(DescriptionErrorCode.MissingField, "layers", "the model has no layers");
            return;
        }

        if (model.Layers.Count > MaxLayers)
        {
            c.Add(DescriptionErrorCode.InvalidValue, "layers", $"the model has {model.Layers.Count} layers; a model may have at most {MaxLayers}");
            return;
        }

        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        int[][] sources = LayerGraph.Resolve(model, (i, k, message) => c.Add(DescriptionErrorCode.UnresolvedInput, $"layers[{i}].inputs[{k}]", message));
        var lengths = new long[model.Layers.Count];
        // What each single-input layer read: a reverse layer reads what its forward half (the layer before) read.
        var reads = new long[model.Layers.Count];
        for (int i = 0; i < model.Layers.Count; i++)
        {
            c.CancellationToken.ThrowIfCancellationRequested();
            Layer layer = model.Layers[i];
            string path = $"layers[{i}]";
            RequireNameLength(layer.Name, path + ".name", c);
            if (layer.Name.Length > 0)
            {
                if (names.TryGetValue(layer.Name, out int first))
                {
                    c.Add(DescriptionErrorCode.DuplicateName, path + ".name", $"layer {i} has the same name as layer {first}: \"{Shorten(layer.Name)}\"");
                }
                else
                {
                    names.Add(layer.Name, i);
                }
            }

            // What the layer is handed: 0 (unknown) when a source did not resolve or had an error of its own.
            long[] handed = Array.ConvertAll(sources[i], s => s == LayerGraph.ModelInput ? inputLength : lengths[s]);
            bool resolved = handed.Length == Math.Max(1, layer.Inputs.Count);
            reads[i] = resolved ? handed[0] : 0;
            lengths[i] = LayerShapes.IsReverse(layer) ? ValidateReverseLayer(model, i, path, i > 0 ? reads[i - 1] : 0, c)
                : LayerGraph.JoinsInputs(layer) ? ValidateJoin(layer, i, path, resolved ? handed : Array.Empty<long>(), c)
                : ValidateSingleInput(layer, i, path, reads[i], c);
        }

        long length = lengths[model.Layers.Count - 1];
        if (length > 0 && outputLength > 0 && length != outputLength)
        {
            c.Add(DescriptionErrorCode.ShapeMismatch, "outputs[0].shape", $"the output is declared with {outputLength} values but the last layer gives {length}");
        }
    }

    private static long ValidateSingleTensor(RepeatedField<TensorInfo> tensors, string path, Context c)
    {
        if (tensors.Count == 0)
        {
            c.Add(DescriptionErrorCode.MissingField, path, $"the model declares no {path}; it needs exactly one");
            return 0;
        }

        if (tensors.Count > 1)
        {
            c.Add(DescriptionErrorCode.InvalidValue, path, $"the model declares {tensors.Count} {path}; this version supports exactly one");
        }

        TensorInfo tensor = tensors[0];
        RequireNameLength(tensor.Name, path + "[0].name", c);
        string shapePath = path + "[0].shape";
        if (tensor.Shape.Count == 0)
        {
            c.Add(DescriptionErrorCode.MissingField, shapePath, $"{path}[0] has no shape");
            return 0;
        }

        long length = 1;
        for (int d = 0; d < tensor.Shape.Count; d++)
        {
            int dim = tensor.Shape[d];
            if (dim <= 0)
            {
                c.Add(DescriptionErrorCode.InvalidValue, $"{shapePath}[{d}]", $"dimension {d} of {path}[0] is {dim}; dimensions must be positive");
                return 0;
            }

            length *= dim;
            if (length > MaxActivationLength)
            {
                c.Add(DescriptionErrorCode.InvalidValue, shapePath, $"{path}[0] has more than {MaxActivationLength} values, the most a model may have");
                return 0;
            }
        }

        return length;
    }

    /// <returns>The layer's output length, or 0 when it cannot be known.</returns>
    private static long ValidateLayer(Layer layer, int index, string path, long inputLength, Context c)
    {
        if (layer.InputQuantizer is not null)
        {
            ValidateActivationQuantizer(layer.InputQuantizer, path + ".inputQuantizer", c);
        }

        switch (layer.OpCase)
        {
            case Layer.OpOneofCase.None:
                c.Add(DescriptionErrorCode.MissingField, path, $"layer {index} has no operation (one of dense, flatten, relu, sigmoid, tanh, softmax, embedding, lstm, gru, conv2d, maxPool2d, clip, leakyRelu, avgPool2d, globalAvgPool2d, add, concat)");
                return 0;
            case Layer.OpOneofCase.Clip or Layer.OpOneofCase.LeakyRelu or Layer.OpOneofCase.AvgPool2D or Layer.OpOneofCase.GlobalAvgPool2D:
                return ValidateElementOrPoolLayer(layer, index, path, inputLength, c);
            case Layer.OpOneofCase.Dense:
                return ValidateDense(layer.Dense, index, path + ".dense", inputLength, c);
            case Layer.OpOneofCase.Embedding or Layer.OpOneofCase.Lstm or Layer.OpOneofCase.Gru or Layer.OpOneofCase.Conv2D or Layer.OpOneofCase.MaxPool2D:
                return ValidateSequenceOrSpatialLayer(layer, index, path, inputLength, c);
            default:
                // Flatten and the element-wise activations keep the length.
                return inputLength;
        }
    }

    private static long ValidateDense(Dense dense, int index, string path, long inputLength, Context c)
    {
        int rows = dense.OutFeatures;
        int cols = dense.InFeatures;
        if (cols <= 0 || rows <= 0)
        {
            c.Add(DescriptionErrorCode.InvalidValue, cols <= 0 ? path + ".inFeatures" : path + ".outFeatures", $"layer {index} (dense) needs inFeatures and outFeatures above zero, it has {cols} and {rows}");
            return 0;
        }

        if (rows > MaxActivationLength || (long)rows * cols > MaxTensorLength)
        {
            c.Add(DescriptionErrorCode.InvalidValue, path + ".outFeatures", $"layer {index} (dense) is {rows} x {cols}: more than the {MaxTensorLength} weights a layer may have");
            return 0;
        }

        RequireInput(cols, "its inFeatures", index, "dense", path + ".inFeatures", inputLength, c);

        if (dense.Weights is null)
        {
            c.Add(DescriptionErrorCode.MissingField, path, $"layer {index} (dense) has no weights");
        }
        else
        {
            ValidateWeights(dense.Weights, rows, cols, path + ".weights", c);
        }

        if (dense.Bias.Count != 0 && dense.Bias.Count != rows)
        {
            c.Add(DescriptionErrorCode.CountMismatch, path + ".bias", $"layer {index} (dense) has {dense.Bias.Count} bias values; it needs {rows} (one per output) or none");
        }

        RequireFinite(dense.Bias, path + ".bias", c);
        return rows;
    }

    private static void ValidateWeights(Weights weights, int rows, int cols, string path, Context c)
    {
        long count = (long)rows * cols;
        switch (weights.CodecCase)
        {
            case Weights.CodecOneofCase.None:
                c.Add(DescriptionErrorCode.MissingField, path, "the weights have no codec (one of float32, uniform, levels, multiBinary)");
                break;

            case Weights.CodecOneofCase.Float32:
                if (weights.Float32.Values.Count != count)
                {
                    c.Add(DescriptionErrorCode.CountMismatch, path + ".float32.values", $"{weights.Float32.Values.Count} float values for a {rows} x {cols} tensor; it needs {count}");
                }

                RequireFinite(weights.Float32.Values, path + ".float32.values", c);
                break;

            case Weights.CodecOneofCase.Uniform:
            {
                UniformCodec u = weights.Uniform;
                string p = path + ".uniform";
                if (!RequireBits(u.Bits, p, c))
                {
                    break;
                }

                RequirePerTensorOrRow(u.Scales.Count, rows, allowNone: false, p + ".scales", "scales", c);
                RequireFinite(u.Scales, p + ".scales", c);
                RequirePerTensorOrRow(u.ZeroPoints.Count, rows, allowNone: true, p + ".zeroPoints", "zero points", c);
                int min = u.Signed ? -(1 << (u.Bits - 1)) : 0;
                int max = u.Signed ? (1 << (u.Bits - 1)) - 1 : (1 << u.Bits) - 1;
                for (int i = 0; i < u.ZeroPoints.Count; i++)
                {
                    if (u.ZeroPoints[i] < min || u.ZeroPoints[i] > max)
                    {
                        c.Add(DescriptionErrorCode.InvalidValue, $"{p}.zeroPoints[{i}]", $"zero point {u.ZeroPoints[i]} is outside the range of {(u.Signed ? "signed" : "unsigned")} {u.Bits}-bit codes [{min}, {max}]");
                        break;
                    }
                }

                RequireByteLength(u.Codes, count, u.Bits, p + ".codes", "codes", c);
                break;
            }

            case Weights.CodecOneofCase.Levels:
            {
                LevelsCodec l = weights.Levels;
                string p = path + ".levels";
                if (!RequireBits(l.Bits, p, c))
                {
                    break;
                }

                if (l.Levels.Count == 0 || l.Levels.Count > 1 << l.Bits)
                {
                    c.Add(DescriptionErrorCode.CountMismatch, p + ".levels", $"a {l.Bits}-bit level table holds 1 to {1 << l.Bits} levels; this one has {l.Levels.Count}");
                    break;
                }

                RequireFinite(l.Levels, p + ".levels", c);
                if (RequireByteLength(l.Codes, count, l.Bits, p + ".codes", "codes", c))
                {
                    ReadOnlySpan<byte> codes = l.Codes.Span;
                    for (long i = 0; i < count; i++)
                    {
                        c.Tick(i);
                        int code = PackedCodes.Read(codes, i, l.Bits);
                        if (code >= l.Levels.Count)
                        {
                            c.Add(DescriptionErrorCode.InvalidValue, p + ".codes", $"code {i} (row {i / cols}, column {i % cols}) is {code}, but the level table has only {l.Levels.Count} levels");
                            break;
                        }
                    }
                }

                break;
            }

            case Weights.CodecOneofCase.MultiBinary:
            {
                MultiBinaryCodec m = weights.MultiBinary;
                string p = path + ".multiBinary";
                if (!RequireBits(m.Bits, p, c))
                {
                    break;
                }

                if (m.Coefficients.Count != (long)rows * m.Bits)
                {
                    c.Add(DescriptionErrorCode.CountMismatch, p + ".coefficients", $"{m.Coefficients.Count} coefficients for {rows} rows of {m.Bits} bit planes; it needs {(long)rows * m.Bits}");
                }

                RequireFinite(m.Coefficients, p + ".coefficients", c);
                RequireByteLength(m.Planes, count * m.Bits, 1, p + ".planes", "bit planes", c);
                break;
            }
        }
    }

    private static void ValidateActivationQuantizer(ActivationQuantizer quantizer, string path, Context c)
    {
        switch (quantizer.KindCase)
        {
            case ActivationQuantizer.KindOneofCase.None:
                c.Add(DescriptionErrorCode.MissingField, path, "the input quantizer has no kind (one of uniform, thresholds, logQuant, onlineMultiBinary)");
                break;

            case ActivationQuantizer.KindOneofCase.Uniform:
            {
                UniformActivation u = quantizer.Uniform;
                string p = path + ".uniform";
                bool bits = RequireBits(u.Bits, p, c);
                if (RequireFinite(u.Lo, p + ".lo", c) & RequireFinite(u.Hi, p + ".hi", c) && !(u.Hi > u.Lo))
                {
                    c.Add(DescriptionErrorCode.InvalidValue, p + ".hi", $"the range [{Format(u.Lo)}, {Format(u.Hi)}] is empty; hi must be above lo");
                }
                else if (bits && !UniformRangeIsComputable(u.Bits, u.Lo, u.Hi))
                {
                    c.Add(DescriptionErrorCode.InvalidValue, p + ".hi", $"the range [{Format(u.Lo)}, {Format(u.Hi)}] cannot be divided into {1 << u.Bits} levels in float32: (hi - lo) * {(1 << u.Bits) - 1} and {(1 << u.Bits) - 1} / (hi - lo) must be finite");
                }
                else if (bits && (u.Scale != 0f || u.ZeroPoint != 0))
                {
                    ValidateAffine(u, p, c);
                }

                break;
            }

            case ActivationQuantizer.KindOneofCase.Thresholds:
            {
                ThresholdActivation t = quantizer.Thresholds;
                string p = path + ".thresholds";
                if (!RequireBits(t.Bits, p, c))
                {
                    break;
                }

                if (t.Levels.Count < 2 || t.Levels.Count > 1 << t.Bits)
                {
                    c.Add(DescriptionErrorCode.CountMismatch, p + ".levels", $"a {t.Bits}-bit staircase has 2 to {1 << t.Bits} levels; this one has {t.Levels.Count}");
                }
                else if (t.Thresholds.Count != t.Levels.Count - 1)
                {
                    c.Add(DescriptionErrorCode.CountMismatch, p + ".thresholds", $"{t.Levels.Count} levels need {t.Levels.Count - 1} thresholds; there are {t.Thresholds.Count}");
                }

                if (RequireFinite(t.Thresholds, p + ".thresholds", c))
                {
                    for (int i = 1; i < t.Thresholds.Count; i++)
                    {
                        if (!(t.Thresholds[i] > t.Thresholds[i - 1]))
                        {
                            c.Add(DescriptionErrorCode.ThresholdsNotIncreasing, $"{p}.thresholds[{i}]", $"threshold {i} ({Format(t.Thresholds[i])}) is not above threshold {i - 1} ({Format(t.Thresholds[i - 1])}); thresholds must strictly increase");
                            break;
                        }
                    }
                }

                RequireFinite(t.Levels, p + ".levels", c);
                break;
            }

            case ActivationQuantizer.KindOneofCase.LogQuant:
            {
                LogQuantActivation l = quantizer.LogQuant;
                string p = path + ".logQuant";
                if (!RequireBits(l.Bits, p, c))
                {
                    break;
                }

                if (l.Step <= 0)
                {
                    c.Add(DescriptionErrorCode.InvalidValue, p + ".step", $"step is {l.Step}; it must be positive");
                    break;
                }

                // The smallest and the largest level must be normal, finite float32 numbers.
                double lowest = l.Fsr / 16.0;
                double highest = (l.Fsr + (double)l.Step * Math.Max(0, (1 << l.Bits) - 2)) / 16.0;
                if (lowest < -126 || highest > 127)
                {
                    c.Add(DescriptionErrorCode.InvalidValue, p + ".fsr", $"fsr {l.Fsr} and step {l.Step} give levels from 2^{Format((float)lowest)} to 2^{Format((float)highest)}, outside float32's normal range 2^-126 .. 2^127");
                }

                break;
            }

            case ActivationQuantizer.KindOneofCase.OnlineMultiBinary:
            {
                OnlineMultiBinaryActivation o = quantizer.OnlineMultiBinary;
                string p = path + ".onlineMultiBinary";
                RequireBits(o.Bits, p, c);
                if (o.Cycles < 0 || o.Cycles > MaxCycles)
                {
                    c.Add(DescriptionErrorCode.InvalidValue, p + ".cycles", $"cycles is {o.Cycles}; it must be 0 to {MaxCycles}");
                }

                break;
            }
        }
    }

    /// <summary>
    /// The uniform quantizer computes in float32 (quantgen.proto): q = round((x - lo) * (n / (hi - lo))),
    /// x' = lo + q * (hi - lo) / n. A range so wide or so narrow that hi - lo, n / (hi - lo) or
    /// q * (hi - lo) overflows would turn every input into NaN or infinity.
    /// </summary>
    private static bool UniformRangeIsComputable(int bits, float lo, float hi)
    {
        float n = (1 << bits) - 1;
        float range = hi - lo;
        return !float.IsInfinity(range) && !float.IsInfinity(n / range) && !float.IsInfinity(n * range);
    }

    private static void RequireNameLength(string name, string path, Context c)
    {
        if (name.Length > MaxNameLength)
        {
            c.Add(DescriptionErrorCode.InvalidValue, path, $"{path} is {name.Length} characters long; names may have at most {MaxNameLength}");
        }
    }

    private static bool RequireBits(int bits, string path, Context c)
    {
        if (bits >= 1 && bits <= MaxBits)
        {
            return true;
        }

        c.Add(DescriptionErrorCode.BitWidthOutOfRange, path + ".bits", $"bit width {bits} is outside 1..{MaxBits}");
        return false;
    }

    private static void RequirePerTensorOrRow(int count, int rows, bool allowNone, string path, string what, Context c)
    {
        if (count == 1 || count == rows || (allowNone && count == 0))
        {
            return;
        }

        string none = allowNone ? "none, " : "";
        c.Add(DescriptionErrorCode.CountMismatch, path, $"{count} {what} for {rows} rows; there must be {none}1 (per tensor) or {rows} (per row)");
    }

    private static bool RequireByteLength(ByteString bytes, long count, int bits, string path, string what, Context c)
    {
        long expected = PackedCodes.ByteLength(count, bits);
        if (bytes.Length == expected)
        {
            return true;
        }

        c.Add(DescriptionErrorCode.CountMismatch, path, $"{what} hold {bytes.Length} bytes; {count} values of {bits} bit(s) need {expected}");
        return false;
    }

    private static bool RequireFinite(RepeatedField<float> values, string path, Context c)
    {
        for (int i = 0; i < values.Count; i++)
        {
            c.Tick(i);
            if (!RequireFinite(values[i], $"{path}[{i}]", c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool RequireFinite(float value, string path, Context c)
    {
        if (!float.IsNaN(value) && !float.IsInfinity(value))
        {
            return true;
        }

        c.Add(DescriptionErrorCode.NonFiniteParameter, path, $"{path} is {Format(value)}; parameters must be finite numbers");
        return false;
    }

    private static string Format(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Shorten(string text) => text.Length <= 64 ? text : text.Substring(0, 64) + "...";

    private sealed class Context
    {
        private readonly JsonLocator _locator;

        public Context(JsonLocator locator, CancellationToken cancellationToken)
        {
            _locator = locator;
            CancellationToken = cancellationToken;
        }

        public List<DescriptionError> Errors { get; } = new List<DescriptionError>();

        public CancellationToken CancellationToken { get; }

        /// <summary>Honours cancellation every 64 Ki steps of a loop over a tensor's values (up to <see cref="MaxTensorLength"/>).</summary>
        public void Tick(long step)
        {
            if ((step & 0xFFFF) == 0)
            {
                CancellationToken.ThrowIfCancellationRequested();
            }
        }

        public void Add(DescriptionErrorCode code, string path, string message) =>
            Errors.Add(new DescriptionError(code, message, path, _locator.Locate(path)));
    }
}
