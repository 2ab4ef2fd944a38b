using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Threading;

namespace QuantGen.Schema;

/// <summary>
/// Reads a JSON text once to check its syntax and to remember where every value starts.
/// Google.Protobuf's JSON parser gives no positions, so the parser and the validator name what is wrong
/// by a JSON path and this map turns the path into the model file's line and column.
/// </summary>
/// <remarks>
/// Keys are matched the way the protobuf JSON mapping matches them: <c>in_features</c> and
/// <c>inFeatures</c> are the same field. Nesting is limited (<see cref="MaxDepth"/>) so that a hostile
/// file cannot overflow the stack of the compiler that reads it.
/// </remarks>
public sealed class JsonLocator
{
    public const int MaxDepth = 64;

    private readonly string _text;
    private readonly List<int> _lineStarts = new List<int> { 0 };
    private readonly Node _root;
    private readonly List<DescriptionError> _keyErrors = new List<DescriptionError>();
    private readonly CancellationToken _cancellationToken;
    private Dictionary<string, Property>? _firstKeys;
    private int _pos;
    private int _values;

    private JsonLocator(string text, CancellationToken cancellationToken)
    {
        _text = text;
        _cancellationToken = cancellationToken;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                _lineStarts.Add(i + 1);
            }
        }

        SkipWhitespace();
        _root = ReadValue(0);
        SkipWhitespace();
        if (_pos < _text.Length)
        {
            throw Fail(_pos, "unexpected text after the end of the JSON document");
        }
    }

    /// <summary>Scans <paramref name="text"/>; on a syntax error returns null and the error.</summary>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> is cancelled during the scan.</exception>
    public static JsonLocator? TryScan(string text, out DescriptionError? error, CancellationToken cancellationToken = default)
    {
        try
        {
            var locator = new JsonLocator(text, cancellationToken);
            error = locator._keyErrors.Count > 0 ? locator._keyErrors[0] : null;
            return locator;
        }
        catch (JsonSyntaxException e)
        {
            error = new DescriptionError(DescriptionErrorCode.InvalidJson, "the model file is not valid JSON: " + e.Message, "", e.Position);
            return null;
        }
    }

    /// <summary>The position of a whole-text anchor (line 1, column 1).</summary>
    public TextPosition Start => PositionOf(0, 1);

    /// <summary>
    /// The position of the value at <paramref name="path"/> (<c>layers[2].dense.bias[3]</c>); where the path
    /// goes further than the text (a missing field), the position of its deepest existing part.
    /// </summary>
    public TextPosition Locate(string path)
    {
        Node node = _root;
        int offset = node.Start;
        int length = 1;
        foreach (string segment in SplitPath(path))
        {
            if (segment.Length > 0 && segment[0] == '[')
            {
                int index = int.Parse(segment.Substring(1, segment.Length - 2), CultureInfo.InvariantCulture);
                if (node.Items is null || index < 0 || index >= node.ItemStarts!.Count)
                {
                    break;
                }

                offset = node.ItemStarts[index];
                length = 1;
                Node? item = node.Items[index];
                if (item is null)
                {
                    break;
                }

                node = item;
            }
            else
            {
                if (node.Properties is null || !node.Properties.TryGetValue(NormalizeKey(segment), out Property property))
                {
                    break;
                }

                offset = property.KeyStart;
                length = property.KeyLength;
                node = property.Value;
            }
        }

        return PositionOf(offset, length);
    }

    /// <summary>The first property anywhere in the text whose key is <paramref name="key"/>, if any.</summary>
    public TextPosition? FindKey(string key)
    {
        // Indexed once: callers look up many words (every word of an error message), and a walk of the
        // whole tree per word made a 200 KB file take most of a minute.
        _firstKeys ??= IndexFirstKeys();
        return _firstKeys.TryGetValue(NormalizeKey(key), out Property property) ? PositionOf(property.KeyStart, property.KeyLength) : null;
    }

    private Dictionary<string, Property> IndexFirstKeys()
    {
        var first = new Dictionary<string, Property>(StringComparer.Ordinal);
        var pending = new Stack<Node>();
        pending.Push(_root);
        while (pending.Count > 0)
        {
            Node node = pending.Pop();
            if (node.Properties is not null)
            {
                foreach (KeyValuePair<string, Property> pair in node.Properties)
                {
                    if (!first.TryGetValue(pair.Key, out Property seen) || pair.Value.KeyStart < seen.KeyStart)
                    {
                        first[pair.Key] = pair.Value;
                    }

                    pending.Push(pair.Value.Value);
                }
            }
            else if (node.Items is not null)
            {
                foreach (Node? item in node.Items)
                {
                    if (item is not null)
                    {
                        pending.Push(item);
                    }
                }
            }
        }

        return first;
    }

    /// <summary>Keys as the protobuf JSON mapping compares them: <c>zero_points</c> = <c>zeroPoints</c>.</summary>
    public static string NormalizeKey(string key)
    {
        var builder = new StringBuilder(key.Length);
        foreach (char c in key)
        {
            if (c != '_')
            {
                builder.Append(char.ToLowerInvariant(c));
            }
        }

        return builder.ToString();
    }

    private static IEnumerable<string> SplitPath(string path)
    {
        int i = 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                i++;
                continue;
            }

            int end;
            if (path[i] == '[')
            {
                end = path.IndexOf(']', i);
                end = end < 0 ? path.Length : end + 1;
            }
            else
            {
                end = i;
                while (end < path.Length && path[end] != '.' && path[end] != '[')
                {
                    end++;
                }
            }

            yield return path.Substring(i, end - i);
            i = end;
        }
    }

    private TextPosition PositionOf(int offset, int length)
    {
        offset = Math.Max(0, Math.Min(offset, _text.Length));
        int index = _lineStarts.BinarySearch(offset);
        int line = index >= 0 ? index : ~index - 1;
        return new TextPosition(offset, Math.Max(0, Math.Min(length, _text.Length - offset)), line, offset - _lineStarts[line]);
    }

    private Node ReadValue(int depth)
    {
        if (depth > MaxDepth)
        {
            throw Fail(_pos, $"nesting deeper than {MaxDepth} levels");
        }

        if (_pos >= _text.Length)
        {
            throw Fail(_pos, "unexpected end of the text, a value was expected");
        }

        // A model file may hold millions of numbers: the build's cancellation is honoured every 16 Ki values.
        if ((++_values & 0x3FFF) == 0)
        {
            _cancellationToken.ThrowIfCancellationRequested();
        }

        int start = _pos;
        char c = _text[_pos];
        switch (c)
        {
            case '{':
                return ReadObject(depth);
            case '[':
                return ReadArray(depth);
            case '"':
                ReadString();
                return new Node(start);
            case 't':
                ReadLiteral("true");
                return new Node(start);
            case 'f':
                ReadLiteral("false");
                return new Node(start);
            case 'n':
                ReadLiteral("null");
                return new Node(start);
            default:
                if (c == '-' || (c >= '0' && c <= '9'))
                {
                    ReadNumber();
                    return new Node(start);
                }

                throw Fail(_pos, $"unexpected character '{Printable(c)}'");
        }
    }

    private Node ReadObject(int depth)
    {
        var node = new Node(_pos) { Properties = new Dictionary<string, Property>(StringComparer.Ordinal) };
        _pos++;
        SkipWhitespace();
        if (Peek() == '}')
        {
            _pos++;
            return node;
        }

        while (true)
        {
            SkipWhitespace();
            if (Peek() != '"')
            {
                throw Fail(_pos, "a property name in double quotes was expected");
            }

            int keyStart = _pos;
            string key = ReadString();
            int keyLength = _pos - keyStart;
            SkipWhitespace();
            Expect(':');
            SkipWhitespace();
            Node value = ReadValue(depth + 1);
            string normalized = NormalizeKey(key);
            if (node.Properties.ContainsKey(normalized))
            {
                // Protobuf's parser would quietly keep one of the two; a model file saying a thing twice is a mistake.
                _keyErrors.Add(new DescriptionError(
                    DescriptionErrorCode.SchemaMismatch,
                    $"the property \"{key}\" appears twice in the same object",
                    key,
                    PositionOf(keyStart, keyLength)));
            }
            else
            {
                node.Properties.Add(normalized, new Property(keyStart, keyLength, value));
            }

            SkipWhitespace();
            char next = Peek();
            if (next == ',')
            {
                _pos++;
                continue;
            }

            if (next == '}')
            {
                _pos++;
                return node;
            }

            throw Fail(_pos, "',' or '}' was expected after a property");
        }
    }

    private Node ReadArray(int depth)
    {
        var node = new Node(_pos) { Items = new List<Node?>(), ItemStarts = new List<int>() };
        _pos++;
        SkipWhitespace();
        if (Peek() == ']')
        {
            _pos++;
            return node;
        }

        while (true)
        {
            SkipWhitespace();
            int start = _pos;
            Node value = ReadValue(depth + 1);
            node.ItemStarts!.Add(start);

            // Primitive items are kept as offsets only: a weight array can hold millions of numbers.
            node.Items!.Add(value.Properties is null && value.Items is null ? null : value);
            SkipWhitespace();
            char next = Peek();
            if (next == ',')
            {
                _pos++;
                continue;
            }

            if (next == ']')
            {
                _pos++;
                return node;
            }

            throw Fail(_pos, "',' or ']' was expected after an array item");
        }
    }

    private string ReadString()
    {
        int start = _pos;
        _pos++;
        StringBuilder? builder = null;
        int runStart = _pos;
        while (true)
        {
            if (_pos >= _text.Length)
            {
                throw Fail(start, "a string is not closed");
            }

            char c = _text[_pos];
            if (c == '"')
            {
                string tail = _text.Substring(runStart, _pos - runStart);
                _pos++;
                string value = builder is null ? tail : builder.Append(tail).ToString();
                RequireWellFormed(value, start);
                return value;
            }

            if (c < 0x20)
            {
                throw Fail(_pos, "a control character inside a string must be escaped");
            }

            if (c == '\\')
            {
                builder ??= new StringBuilder();
                builder.Append(_text, runStart, _pos - runStart);
                _pos++;
                if (_pos >= _text.Length)
                {
                    throw Fail(start, "a string is not closed");
                }

                char e = _text[_pos];
                switch (e)
                {
                    case '"': builder.Append('"'); break;
                    case '\\': builder.Append('\\'); break;
                    case '/': builder.Append('/'); break;
                    case 'b': builder.Append('\b'); break;
                    case 'f': builder.Append('\f'); break;
                    case 'n': builder.Append('\n'); break;
                    case 'r': builder.Append('\r'); break;
                    case 't': builder.Append('\t'); break;
                    case 'u':
                        if (_pos + 4 >= _text.Length || !int.TryParse(_text.Substring(_pos + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
                        {
                            throw Fail(_pos - 1, "\\u must be followed by four hexadecimal digits");
                        }

                        builder.Append((char)code);
                        _pos += 4;
                        break;
                    default:
                        throw Fail(_pos - 1, $"unknown escape '\\{Printable(e)}'");
                }

                _pos++;
                runStart = _pos;
                continue;
            }

            _pos++;
        }
    }

    /// <summary>
    /// A string must be Unicode: every UTF-16 surrogate in a pair (a lone \ud800 escape is not). Checked here,
    /// with a position, because Google.Protobuf's parser rejects it later without one.
    /// </summary>
    private void RequireWellFormed(string value, int start)
    {
        for (int i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                throw Fail(start, $"a string holds an unpaired UTF-16 surrogate (\\u{((int)value[i]).ToString("x4", CultureInfo.InvariantCulture)}); text must be valid Unicode");
            }
        }
    }

    private void ReadNumber()
    {
        int start = _pos;
        if (Peek() == '-')
        {
            _pos++;
        }

        if (!IsDigit(Peek()))
        {
            throw Fail(start, "a number was expected");
        }

        if (Peek() == '0')
        {
            _pos++;
        }
        else
        {
            SkipDigits();
        }

        if (Peek() == '.')
        {
            _pos++;
            if (!IsDigit(Peek()))
            {
                throw Fail(_pos, "a digit was expected after the decimal point");
            }

            SkipDigits();
        }

        if (Peek() == 'e' || Peek() == 'E')
        {
            _pos++;
            if (Peek() == '+' || Peek() == '-')
            {
                _pos++;
            }

            if (!IsDigit(Peek()))
            {
                throw Fail(_pos, "a digit was expected in the exponent");
            }

            SkipDigits();
        }
    }

    private void SkipDigits()
    {
        while (IsDigit(Peek()))
        {
            _pos++;
        }
    }

    private static bool IsDigit(char c) => c >= '0' && c <= '9';

    private void ReadLiteral(string literal)
    {
        if (string.CompareOrdinal(_text, _pos, literal, 0, literal.Length) != 0)
        {
            throw Fail(_pos, $"unexpected text; '{literal}' or another value was expected");
        }

        _pos += literal.Length;
    }

    private void Expect(char c)
    {
        if (Peek() != c)
        {
            throw Fail(_pos, $"'{c}' was expected");
        }

        _pos++;
    }

    private char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

    private void SkipWhitespace()
    {
        while (_pos < _text.Length)
        {
            char c = _text[_pos];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            {
                // A byte order mark at the very start is tolerated, as every JSON reader here does.
                if (!(c == '\uFEFF' && _pos == 0))
                {
                    return;
                }
            }

            _pos++;
        }
    }

    private static string Printable(char c) => c < 0x20 || c == 0x7F ? "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture) : c.ToString();

    private JsonSyntaxException Fail(int offset, string message) => new JsonSyntaxException(message, PositionOf(offset, 1));

    private readonly struct Property
    {
        public Property(int keyStart, int keyLength, Node value)
        {
            KeyStart = keyStart;
            KeyLength = keyLength;
            Value = value;
        }

        public int KeyStart { get; }
        public int KeyLength { get; }
        public Node Value { get; }
    }

    private sealed class Node
    {
        public Node(int start) => Start = start;

        public int Start { get; }
        public Dictionary<string, Property>? Properties { get; set; }
        public List<Node?>? Items { get; set; }
        public List<int>? ItemStarts { get; set; }
    }

    private sealed class JsonSyntaxException : Exception
    {
        public JsonSyntaxException(string message, TextPosition position)
            : base(message) => Position = position;

        public TextPosition Position { get; }
    }
}
