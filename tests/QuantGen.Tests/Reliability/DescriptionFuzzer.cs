using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Google.Protobuf.Reflection;
using QuantGen.Schema;
using QuantGen.Tests.Infrastructure;

namespace QuantGen.Tests.Reliability;

/// <summary>One fuzzed description and the mutations that made it (for the failure message).</summary>
internal sealed record FuzzCase(int Index, string Text, string Mutations);

/// <summary>
/// Makes broken (and some merely odd) descriptions from valid ones, reproducibly from a seed. Two kinds of
/// mutation: structural ones on the parsed model (wrong counts, shapes and bit widths, NaN and huge
/// numbers, negative sizes, damaged codes, duplicate or hostile names, layers removed, repeated, reordered)
/// and text ones on the JSON (bytes deleted, inserted, repeated; numbers replaced by huge or special
/// values; truncated base64; deep nesting; duplicate keys; truncation).
/// </summary>
internal sealed class DescriptionFuzzer
{
    private static readonly Regex NumberToken = new(@"-?\d+(\.\d+)?([eE][+-]?\d+)?", RegexOptions.Compiled);
    private static readonly Regex StringToken = new(@"""(?:[^""\\]|\\.)*""", RegexOptions.Compiled);
    private static readonly Regex Base64Value = new(@"""(codes|planes)"":\s*""([^""]*)""", RegexOptions.Compiled);

    private static readonly string[] NumberReplacements =
    [
        "0", "-0", "-1", "1", "2", "3", "7", "8", "9", "255", "256", "65536", "16777216", "16777217",
        "2147483647", "2147483648", "-2147483648", "-2147483649", "4294967296", "99999999999999999999999999",
        "1e9", "1e10", "1e38", "3.5e38", "1e39", "-1e39", "1e308", "1e999", "-1e999", "1e-45", "1e-46", "1e-400",
        "0.5", "1.5", "-0.0", "1E+2", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "\"4\"", "\"x\"", "null", "true", "[]", "{}",
    ];

    private static readonly int[] IntegerValues =
    [
        0, -1, 1, 2, 3, 4, 7, 8, 9, 16, 31, 32, 33, 64, 65, 255, 256, 1 << 16, 1 << 24, (1 << 24) + 1, 1 << 28, 1 << 30,
        int.MaxValue, int.MinValue, int.MinValue + 1,
    ];

    private static readonly float[] FloatValues =
    [
        float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, 0f, 1f, -1f, 0.5f, float.MaxValue, -float.MaxValue,
        float.Epsilon, -float.Epsilon, 1e-40f, 1e30f, -1e30f, 1e-30f, BitConverter.Int32BitsToSingle(0x7FC00001), 3f, -7.25f,
    ];

    private const string InsertAlphabet = "{}[]\":,\\ 0123456789-+.eE\nabcnrtuflsNIx\u00e9\u2028\u202e\ufeff\t";

    private readonly Random _random;
    private readonly Model[] _seeds;
    private readonly string[] _seedTexts;
    private readonly List<string> _applied = new();
    private readonly List<(string Placeholder, string Value)> _placeholders = new();
    private int _index;

    public DescriptionFuzzer(int seed, IReadOnlyList<Model> seeds)
    {
        _random = new Random(seed);
        _seeds = seeds.ToArray();
        _seedTexts = _seeds.Select(TestModels.Json).ToArray();
    }

    public FuzzCase Next()
    {
        _applied.Clear();
        int which = _random.Next(_seeds.Length);
        string text;
        int mode = _random.Next(10);
        if (mode < 6)
        {
            // Structural, sometimes followed by a text mutation.
            Model model = _seeds[which].Clone();
            int count = 1 + _random.Next(3);
            for (int i = 0; i < count; i++)
            {
                MutateStructure(model);
            }

            text = Serialize(model);
            if (mode == 5)
            {
                text = MutateText(text);
            }
        }
        else
        {
            text = _seedTexts[which];
            int count = 1 + _random.Next(mode == 9 ? 4 : 2);
            for (int i = 0; i < count; i++)
            {
                text = MutateText(text);
            }
        }

        return new FuzzCase(_index++, text, $"seed model {which}: " + string.Join(", ", _applied));
    }

    // ---- structural -------------------------------------------------------------------------------------

    private void MutateStructure(Model model)
    {
        switch (_random.Next(18))
        {
            case 0: MutateBits(model); break;
            case 1: MutateFeatures(model); break;
            case 2: MutateShape(model); break;
            case 3: MutateCount(model); break;
            case 4:
            case 5: MutateFloat(model); break;
            case 6: MutateBytes(model); break;
            case 7:
            case 8: MutateName(model); break;
            case 9: MutateLayers(model); break;
            case 10: MutateQuantizer(model); break;
            case 11: MutateCodec(model); break;
            case 12: MutateIntegers(model); break;
            case 13: Note("schema"); model.Schema = Pick(["", "quantgen.v2", "QUANTGEN.V1", "quantgen.v1\u0000"]); break;
            case 14: Note("doc"); model.Doc = Hostile() + new string('d', _random.Next(2) == 0 ? 0 : 100_000); break;
            case 15: MutateAnyField(model); break;
            default: MutateAnyField(model); MutateAnyField(model); break;
        }
    }

    /// <summary>
    /// Any scalar or repeated field anywhere in the model, found by protobuf reflection, so that every layer
    /// kind (convolutions, embeddings, recurrent cells and their options) is mutated without a case of its own.
    /// </summary>
    private void MutateAnyField(Model model)
    {
        var fields = new List<(IMessage Message, FieldDescriptor Field)>();
        Collect(model, fields);
        if (fields.Count == 0)
        {
            return;
        }

        (IMessage message, FieldDescriptor field) = Pick(fields);
        object value = field.Accessor.GetValue(message);
        string name = $"{message.Descriptor.Name}.{field.JsonName}";
        switch (field.FieldType)
        {
            case FieldType.Int32 when !field.IsRepeated:
                int number = _random.Next(3) == 0 ? (int)value + _random.Next(-2, 3) : Pick(IntegerValues);
                Note($"{name}={number}");
                field.Accessor.SetValue(message, number);
                break;
            case FieldType.Float when !field.IsRepeated:
                float single = Pick(FloatValues);
                Note($"{name}={single:R}");
                field.Accessor.SetValue(message, single);
                break;
            case FieldType.Bool when !field.IsRepeated:
                Note($"{name} toggled");
                field.Accessor.SetValue(message, !(bool)value);
                break;
            case FieldType.Float when value is RepeatedField<float> floats:
                if (floats.Count > 0 && _random.Next(2) == 0)
                {
                    Note($"{name}[i]");
                    floats[_random.Next(floats.Count)] = Pick(FloatValues);
                }
                else if (floats.Count > 0 && _random.Next(2) == 0)
                {
                    Note($"{name} one fewer");
                    floats.RemoveAt(_random.Next(floats.Count));
                }
                else
                {
                    Note($"{name} one more");
                    floats.Add(0.25f);
                }

                break;
            case FieldType.Int32 when value is RepeatedField<int> ints:
                Note($"{name} changed");
                if (ints.Count > 0 && _random.Next(2) == 0)
                {
                    ints[_random.Next(ints.Count)] = Pick(IntegerValues);
                }
                else
                {
                    ints.Add(Pick(IntegerValues));
                }

                break;
            case FieldType.Bytes when !field.IsRepeated:
                byte[] data = ((ByteString)value).ToByteArray();
                Note($"{name} damaged");
                field.Accessor.SetValue(message, ByteString.CopyFrom(_random.Next(2) == 0 ? data.Take(Math.Max(0, data.Length - 1)).ToArray() : data.Append((byte)0xFF).ToArray()));
                break;
            case FieldType.Message when !field.IsRepeated && value is not null:
                Note($"{name} cleared");
                field.Accessor.Clear(message);
                break;
        }
    }

    private static void Collect(IMessage message, List<(IMessage, FieldDescriptor)> fields)
    {
        foreach (FieldDescriptor field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            object value = field.Accessor.GetValue(message);
            if (field.FieldType == FieldType.Message)
            {
                if (field.IsRepeated)
                {
                    foreach (IMessage item in (System.Collections.IEnumerable)value)
                    {
                        Collect(item, fields);
                    }

                    continue;
                }

                if (value is IMessage child)
                {
                    fields.Add((message, field));
                    Collect(child, fields);
                }

                continue;
            }

            if (field.FieldType != FieldType.String)
            {
                fields.Add((message, field));
            }
        }
    }

    private void MutateBits(Model model)
    {
        int bits = Pick(IntegerValues);
        Note($"bits={bits}");
        foreach (Layer layer in Shuffled(model.Layers))
        {
            if (_random.Next(2) == 0 && layer.InputQuantizer is { } q)
            {
                switch (q.KindCase)
                {
                    case ActivationQuantizer.KindOneofCase.Uniform: q.Uniform.Bits = bits; return;
                    case ActivationQuantizer.KindOneofCase.Thresholds: q.Thresholds.Bits = bits; return;
                    case ActivationQuantizer.KindOneofCase.LogQuant: q.LogQuant.Bits = bits; return;
                    case ActivationQuantizer.KindOneofCase.OnlineMultiBinary: q.OnlineMultiBinary.Bits = bits; return;
                }
            }

            if (layer.Dense?.Weights is { } w)
            {
                switch (w.CodecCase)
                {
                    case Weights.CodecOneofCase.Uniform: w.Uniform.Bits = bits; return;
                    case Weights.CodecOneofCase.Levels: w.Levels.Bits = bits; return;
                    case Weights.CodecOneofCase.MultiBinary: w.MultiBinary.Bits = bits; return;
                }
            }
        }
    }

    private void MutateFeatures(Model model)
    {
        Dense? dense = Shuffled(model.Layers).Select(l => l.Dense).FirstOrDefault(d => d is not null);
        if (dense is null)
        {
            return;
        }

        int value = _random.Next(3) == 0 ? dense.InFeatures + _random.Next(-1, 2) : Pick(IntegerValues);
        if (_random.Next(2) == 0)
        {
            Note($"inFeatures={value}");
            dense.InFeatures = value;
        }
        else
        {
            Note($"outFeatures={value}");
            dense.OutFeatures = value;
        }
    }

    private void MutateShape(Model model)
    {
        RepeatedField<TensorInfo> tensors = _random.Next(2) == 0 ? model.Inputs : model.Outputs;
        switch (_random.Next(5))
        {
            case 0 when tensors.Count > 0 && tensors[0].Shape.Count > 0:
                Note("shape dim");
                int d = _random.Next(tensors[0].Shape.Count);
                tensors[0].Shape[d] = Pick(IntegerValues);
                break;
            case 1 when tensors.Count > 0:
                Note("shape extra dim");
                tensors[0].Shape.Add(Pick(IntegerValues));
                break;
            case 2 when tensors.Count > 0:
                Note("shape cleared");
                tensors[0].Shape.Clear();
                break;
            case 3:
                Note("second tensor");
                tensors.Add(new TensorInfo { Name = "extra", Shape = { 1 } });
                break;
            default:
                Note("tensors cleared");
                tensors.Clear();
                break;
        }
    }

    /// <summary>Every repeated float field of the model, with a name for the log.</summary>
    private static IEnumerable<(string Name, RepeatedField<float> Values)> FloatFields(Model model)
    {
        foreach (Layer layer in model.Layers)
        {
            if (layer.Dense is { } dense)
            {
                yield return ("bias", dense.Bias);
                Weights? w = dense.Weights;
                switch (w?.CodecCase)
                {
                    case Weights.CodecOneofCase.Float32: yield return ("values", w.Float32.Values); break;
                    case Weights.CodecOneofCase.Uniform: yield return ("scales", w.Uniform.Scales); break;
                    case Weights.CodecOneofCase.Levels: yield return ("levels", w.Levels.Levels); break;
                    case Weights.CodecOneofCase.MultiBinary: yield return ("coefficients", w.MultiBinary.Coefficients); break;
                }
            }

            if (layer.InputQuantizer?.KindCase == ActivationQuantizer.KindOneofCase.Thresholds)
            {
                yield return ("thresholds", layer.InputQuantizer.Thresholds.Thresholds);
                yield return ("staircase levels", layer.InputQuantizer.Thresholds.Levels);
            }
        }
    }

    private void MutateCount(Model model)
    {
        var fields = FloatFields(model).ToList();
        foreach (Layer layer in model.Layers)
        {
            if (layer.Dense?.Weights?.CodecCase == Weights.CodecOneofCase.Uniform)
            {
                RepeatedField<int> zp = layer.Dense.Weights.Uniform.ZeroPoints;
                if (_random.Next(3) == 0)
                {
                    Note("zeroPoints count");
                    zp.Add(0);
                    return;
                }
            }
        }

        if (fields.Count == 0)
        {
            return;
        }

        (string name, RepeatedField<float> values) = Pick(fields);
        switch (_random.Next(4))
        {
            case 0 when values.Count > 0:
                Note($"{name} one fewer");
                values.RemoveAt(_random.Next(values.Count));
                break;
            case 1:
                Note($"{name} one more");
                values.Add(0.5f);
                break;
            case 2:
                Note($"{name} cleared");
                values.Clear();
                break;
            default:
                Note($"{name} doubled");
                values.Add(values.ToArray());
                break;
        }
    }

    private void MutateFloat(Model model)
    {
        float value = Pick(FloatValues);
        var fields = FloatFields(model).Where(f => f.Values.Count > 0).ToList();
        var quantizers = model.Layers.Select(l => l.InputQuantizer).Where(q => q?.KindCase == ActivationQuantizer.KindOneofCase.Uniform).ToList();
        if (quantizers.Count > 0 && _random.Next(4) == 0)
        {
            UniformActivation u = Pick(quantizers)!.Uniform;
            if (_random.Next(2) == 0)
            {
                Note($"lo={value:R}");
                u.Lo = value;
            }
            else
            {
                Note($"hi={value:R}");
                u.Hi = value;
            }

            return;
        }

        if (fields.Count == 0)
        {
            return;
        }

        (string name, RepeatedField<float> values) = Pick(fields);
        Note($"{name}={value:R}");
        values[_random.Next(values.Count)] = value;
    }

    private void MutateBytes(Model model)
    {
        Weights? w = Shuffled(model.Layers).Select(l => l.Dense?.Weights).FirstOrDefault(x => x is not null && x.CodecCase != Weights.CodecOneofCase.Float32 && x.CodecCase != Weights.CodecOneofCase.None);
        if (w is null)
        {
            return;
        }

        ByteString bytes = w.CodecCase switch
        {
            Weights.CodecOneofCase.Uniform => w.Uniform.Codes,
            Weights.CodecOneofCase.Levels => w.Levels.Codes,
            _ => w.MultiBinary.Planes,
        };
        byte[] data = bytes.ToByteArray();
        switch (_random.Next(4))
        {
            case 0:
                Note("codes shorter");
                data = data.Take(Math.Max(0, data.Length - 1 - _random.Next(3))).ToArray();
                break;
            case 1:
                Note("codes longer");
                data = data.Append((byte)_random.Next(256)).ToArray();
                break;
            case 2 when data.Length > 0:
                // Keeps the length: a level index past the table, or just other weights.
                Note("codes byte");
                data[_random.Next(data.Length)] = (byte)_random.Next(256);
                break;
            default:
                Note("codes empty");
                data = [];
                break;
        }

        ByteString result = ByteString.CopyFrom(data);
        switch (w.CodecCase)
        {
            case Weights.CodecOneofCase.Uniform: w.Uniform.Codes = result; break;
            case Weights.CodecOneofCase.Levels: w.Levels.Codes = result; break;
            default: w.MultiBinary.Planes = result; break;
        }
    }

    private void MutateName(Model model)
    {
        string name = Hostile();
        switch (_random.Next(5))
        {
            case 0: Note("model name"); model.Name = name; break;
            case 1 when model.Inputs.Count > 0: Note("input name"); model.Inputs[0].Name = name; break;
            case 2 when model.Outputs.Count > 0: Note("output name"); model.Outputs[0].Name = name; break;
            case 3 when model.Layers.Count > 1:
                Note("duplicate layer name");
                Layer a = Pick(model.Layers), b = Pick(model.Layers);
                b.Name = a.Name;
                break;
            default:
                if (model.Layers.Count > 0)
                {
                    Note("layer name");
                    Pick(model.Layers).Name = name + _random.Next(1000);
                }

                break;
        }
    }

    private void MutateLayers(Model model)
    {
        if (model.Layers.Count == 0)
        {
            return;
        }

        int i = _random.Next(model.Layers.Count);
        switch (_random.Next(7))
        {
            case 0:
                Note("layer removed");
                model.Layers.RemoveAt(i);
                break;
            case 1:
                Note("layer repeated");
                model.Layers.Insert(i, model.Layers[i].Clone());
                break;
            case 2:
                Note("layers swapped");
                int j = _random.Next(model.Layers.Count);
                (model.Layers[i], model.Layers[j]) = (model.Layers[j], model.Layers[i]);
                break;
            case 3:
                Note("activation inserted");
                model.Layers.Insert(i, Pick<Func<Layer>>([() => new Layer { Relu = new Relu() }, () => new Layer { Softmax = new Softmax() }, () => new Layer { Flatten = new Flatten() }, () => new Layer { Tanh = new Tanh() }])());
                break;
            case 4:
                Note("op cleared");
                model.Layers[i].ClearOp();
                break;
            case 5:
                Note("many layers");
                for (int k = 0; k < 200; k++)
                {
                    model.Layers.Insert(i, new Layer { Relu = new Relu() });
                }

                break;
            default:
                Note("all layers removed");
                model.Layers.Clear();
                break;
        }
    }

    private void MutateQuantizer(Model model)
    {
        if (model.Layers.Count == 0)
        {
            return;
        }

        Layer layer = Pick(model.Layers);
        int bits = _random.Next(4) == 0 ? Pick(IntegerValues) : 1 + _random.Next(8);
        switch (_random.Next(6))
        {
            case 0:
                Note("quantizer removed");
                layer.InputQuantizer = null;
                break;
            case 1:
                Note("quantizer without kind");
                layer.InputQuantizer = new ActivationQuantizer();
                break;
            case 2:
                Note("uniform quantizer");
                layer.InputQuantizer = new ActivationQuantizer { Uniform = new UniformActivation { Bits = bits, Lo = Pick(FloatValues), Hi = Pick(FloatValues) } };
                break;
            case 3:
            {
                Note("thresholds quantizer");
                var t = new ThresholdActivation { Bits = bits };
                int n = _random.Next(5);
                for (int k = 0; k < n; k++)
                {
                    t.Thresholds.Add(_random.Next(3) == 0 ? Pick(FloatValues) : k - 1.5f);
                }

                int levels = n + _random.Next(-1, 3);
                for (int k = 0; k < levels; k++)
                {
                    t.Levels.Add(_random.Next(4) == 0 ? Pick(FloatValues) : k * 0.5f);
                }

                layer.InputQuantizer = new ActivationQuantizer { Thresholds = t };
                break;
            }

            case 4:
                Note("logQuant quantizer");
                layer.InputQuantizer = new ActivationQuantizer { LogQuant = new LogQuantActivation { Bits = bits, Fsr = _random.Next(2) == 0 ? Pick(IntegerValues) : _random.Next(-40, 40), Step = _random.Next(2) == 0 ? Pick(IntegerValues) : _random.Next(-2, 9) } };
                break;
            default:
                Note("online quantizer");
                layer.InputQuantizer = new ActivationQuantizer { OnlineMultiBinary = new OnlineMultiBinaryActivation { Bits = bits, Cycles = _random.Next(2) == 0 ? Pick(IntegerValues) : _random.Next(0, 4) } };
                break;
        }
    }

    private void MutateCodec(Model model)
    {
        Dense? dense = Shuffled(model.Layers).Select(l => l.Dense).FirstOrDefault(d => d is not null);
        if (dense is null)
        {
            return;
        }

        switch (_random.Next(4))
        {
            case 0: Note("weights removed"); dense.Weights = null; break;
            case 1: Note("codec cleared"); dense.Weights = new Weights(); break;
            case 2:
                Note("other codec, same shape");
                var r = new Random(_random.Next());
                int rows = Math.Clamp(dense.OutFeatures, 1, 64), cols = Math.Clamp(dense.InFeatures, 1, 64);
                dense.Weights = _random.Next(3) switch
                {
                    0 => TestModels.Levels(r, rows, cols, 1 + _random.Next(8)),
                    1 => TestModels.MultiBinary(r, rows, cols, 1 + _random.Next(8)),
                    _ => TestModels.Uniform(r, rows, cols, 1 + _random.Next(8), signed: _random.Next(2) == 0, perRow: _random.Next(2) == 0, zeroPoints: _random.Next(2) == 0),
                };
                break;
            default:
                Note("dense became relu");
                Pick(model.Layers.Where(l => l.Dense is not null).ToList()).Relu = new Relu();
                break;
        }
    }

    private void MutateIntegers(Model model)
    {
        foreach (Layer layer in Shuffled(model.Layers))
        {
            if (layer.Dense?.Weights?.CodecCase == Weights.CodecOneofCase.Uniform)
            {
                UniformCodec u = layer.Dense.Weights.Uniform;
                if (_random.Next(2) == 0)
                {
                    Note("signed toggled");
                    u.Signed = !u.Signed;
                }
                else
                {
                    Note("zero point");
                    if (u.ZeroPoints.Count == 0)
                    {
                        u.ZeroPoints.Add(0);
                    }

                    u.ZeroPoints[_random.Next(u.ZeroPoints.Count)] = _random.Next(2) == 0 ? Pick(IntegerValues) : _random.Next(-129, 257);
                }

                return;
            }

            if (layer.InputQuantizer?.KindCase == ActivationQuantizer.KindOneofCase.LogQuant)
            {
                Note("fsr/step");
                layer.InputQuantizer.LogQuant.Fsr = Pick(IntegerValues) * (_random.Next(2) == 0 ? 1 : -1);
                layer.InputQuantizer.LogQuant.Step = Pick(IntegerValues);
                return;
            }
        }
    }

    /// <summary>
    /// A hostile string for a model field. Google.Protobuf's JSON writer refuses lone surrogates, so the
    /// field gets a placeholder that <see cref="Serialize"/> swaps for the real string's JSON form.
    /// </summary>
    private string Hostile()
    {
        string value = Pick(HostileStrings.WithLoneSurrogates);
        string placeholder = $"@@hostile{_placeholders.Count}@@";
        _placeholders.Add((placeholder, value));
        return placeholder;
    }

    private string Serialize(Model model)
    {
        string text = JsonText.Substitute(TestModels.Json(model), _placeholders);
        _placeholders.Clear();
        return text;
    }

    // ---- text ---------------------------------------------------------------------------------------------

    private string MutateText(string text)
    {
        if (text.Length == 0)
        {
            Note("text: inserted into nothing");
            return "{";
        }

        switch (_random.Next(13))
        {
            case 0:
            {
                int start = _random.Next(text.Length);
                int length = Math.Min(text.Length - start, 1 + _random.Next(20));
                Note("text: span deleted");
                return text.Remove(start, length);
            }

            case 1:
            {
                var inserted = new StringBuilder();
                int n = 1 + _random.Next(4);
                for (int k = 0; k < n; k++)
                {
                    inserted.Append(InsertAlphabet[_random.Next(InsertAlphabet.Length)]);
                }

                Note("text: characters inserted");
                return text.Insert(_random.Next(text.Length + 1), inserted.ToString());
            }

            case 2:
            case 3:
            {
                Match m = PickMatch(NumberToken, text);
                if (!m.Success)
                {
                    goto case 0;
                }

                string replacement = Pick(NumberReplacements);
                Note($"text: number -> {replacement}");
                return text.Remove(m.Index, m.Length).Insert(m.Index, replacement);
            }

            case 4:
            {
                Match m = PickMatch(StringToken, text);
                if (!m.Success)
                {
                    goto case 0;
                }

                Note("text: string replaced");
                return text.Remove(m.Index, m.Length).Insert(m.Index, JsonText.Quote(Pick(HostileStrings.WithLoneSurrogates)));
            }

            case 5:
                Note("text: truncated");
                return text.Substring(0, _random.Next(text.Length));

            case 6:
            {
                int start = _random.Next(text.Length);
                int length = Math.Min(text.Length - start, 1 + _random.Next(200));
                Note("text: span repeated");
                return text.Insert(_random.Next(text.Length + 1), text.Substring(start, length));
            }

            case 7:
            case 8:
            {
                Match m = PickMatch(Base64Value, text);
                if (!m.Success)
                {
                    goto case 2;
                }

                Group value = m.Groups[2];
                string b64 = value.Value;
                string damaged = _random.Next(5) switch
                {
                    0 => b64.Substring(0, Math.Max(0, b64.Length - 1 - _random.Next(4))),
                    1 => b64.TrimEnd('='),
                    2 => b64.Length == 0 ? "!" : b64.Remove(_random.Next(b64.Length), 1).Insert(_random.Next(b64.Length - 1 + 1), Pick(["!", "-", "_", "=", " ", "\\n", "\\u0000", "\u00e9"])),
                    3 => b64 + "=",
                    _ => "",
                };
                Note("text: base64 damaged");
                return text.Remove(value.Index, value.Length).Insert(value.Index, damaged);
            }

            case 9:
            {
                Match m = PickMatch(_random.Next(2) == 0 ? NumberToken : StringToken, text);
                if (!m.Success)
                {
                    goto case 0;
                }

                int depth = Pick([2, 10, 62, 63, 64, 65, 66, 500, 5000]);
                bool objects = _random.Next(2) == 0;
                string open = objects ? string.Concat(Enumerable.Repeat("{\"a\":", depth)) : new string('[', depth);
                string close = new string(objects ? '}' : ']', depth);
                Note($"text: nested {depth} deep");
                return text.Substring(0, m.Index) + open + m.Value + close + text.Substring(m.Index + m.Length);
            }

            case 10:
            {
                // A key said twice in the same object: insert `"key": 0, ` just before a key.
                var keys = StringToken.Matches(text).Where(k => k.Index + k.Length < text.Length && text[k.Index + k.Length] == ':').ToList();
                if (keys.Count == 0)
                {
                    goto case 0;
                }

                Match key = Pick(keys);
                Note($"text: duplicate key {key.Value}");
                string value = Pick(["0", "1", "\"x\"", "[]", "{}", "null"]);
                return text.Insert(key.Index, $"{key.Value}: {value}, ");
            }

            case 11:
            {
                int at = _random.Next(text.Length);
                int found = text.IndexOfAny(['{', '}', '[', ']', ',', ':', '"'], at);
                if (found < 0)
                {
                    goto case 5;
                }

                char replacement = "{}[],:\" x"[_random.Next(9)];
                Note($"text: '{text[found]}' -> '{replacement}'");
                return text.Remove(found, 1).Insert(found, replacement.ToString());
            }

            default:
            {
                string inserted = Pick(["\uFEFF", "\u0000", "\\u0000", "\ud800", "\u2028", "//", "/*", "NaN", "Infinity", "undefined", "'", "0x10"]);
                Note("text: odd token");
                return text.Insert(_random.Next(text.Length + 1), inserted);
            }
        }
    }

    private Match PickMatch(Regex regex, string text)
    {
        MatchCollection matches = regex.Matches(text);
        return matches.Count == 0 ? Match.Empty : matches[_random.Next(matches.Count)];
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private IEnumerable<Layer> Shuffled(RepeatedField<Layer> layers) => layers.OrderBy(_ => _random.Next()).ToList();

    private void Note(string mutation) => _applied.Add(mutation);
}
