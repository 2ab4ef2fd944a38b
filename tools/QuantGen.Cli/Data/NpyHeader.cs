using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace QuantGen.Cli.Data;

/// <summary>
/// The header of a .npy file: a Python dict literal such as
/// <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (1437, 64), }</c>.
/// Parsed by a small reader of Python literals (strings, True/False/None, integers, tuples and lists),
/// which is all numpy's <c>format.write_array</c> ever writes there.
/// </summary>
internal sealed class NpyHeader
{
    /// <summary>
    /// How deeply dicts, tuples and lists may nest. numpy writes two levels (the dict and the shape tuple);
    /// a structured dtype's descr (refused later, with its own message) reaches four or five. Eight leaves room
    /// for those and keeps a hostile header ("((((...", ~25,000 of them overflowed the stack) to a clear error.
    /// </summary>
    internal const int MaxDepth = 8;

    private readonly string _text;
    private readonly string _source;
    private int _position;
    private int _depth;

    private NpyHeader(string text, string source)
    {
        _text = text;
        _source = source;
    }

    public required object Descr { get; init; }
    public required bool FortranOrder { get; init; }
    public required long[] Shape { get; init; }

    public static NpyHeader Parse(string text, string source)
    {
        var reader = new NpyHeader(text, source) { Descr = "", FortranOrder = false, Shape = [] };
        reader.SkipSpace();
        if (reader.Value() is not Dictionary<string, object?> dict)
        {
            throw reader.Error("the header is not a dict");
        }

        object descr = dict.TryGetValue("descr", out object? d) && d is not null ? d : throw reader.Error("the header has no 'descr'");
        bool fortran = dict.TryGetValue("fortran_order", out object? f) && f is bool b ? b : throw reader.Error("the header has no 'fortran_order'");
        if (!dict.TryGetValue("shape", out object? s) || s is not List<object?> dims)
        {
            throw reader.Error("the header has no 'shape' tuple");
        }

        var shape = new long[dims.Count];
        for (int i = 0; i < dims.Count; i++)
        {
            shape[i] = dims[i] is long n && n >= 0 ? n : throw reader.Error($"shape entry {i} is not a non-negative integer");
        }

        return new NpyHeader(text, source) { Descr = descr, FortranOrder = fortran, Shape = shape };
    }

    private object? Value()
    {
        SkipSpace();
        if (_position >= _text.Length)
        {
            throw Error("the header ends early");
        }

        char c = _text[_position];
        switch (c)
        {
            case '{':
                Enter();
                return Dict();
            case '(':
                Enter();
                return Sequence(')');
            case '[':
                Enter();
                return Sequence(']');
            case '\'':
            case '"':
                return String();
            default:
                if (c == '-' || char.IsAsciiDigit(c))
                {
                    return Integer();
                }

                string word = Word();
                return word switch
                {
                    "True" => true,
                    "False" => false,
                    "None" => null,
                    _ => throw Error($"unexpected '{word}' at offset {_position}"),
                };
        }
    }

    private Dictionary<string, object?> Dict()
    {
        var dict = new Dictionary<string, object?>(StringComparer.Ordinal);
        _position++;
        while (true)
        {
            SkipSpace();
            if (Peek() == '}')
            {
                _position++;
                _depth--;
                return dict;
            }

            if (Value() is not string key)
            {
                throw Error("a dict key is not a string");
            }

            SkipSpace();
            Expect(':');
            dict[key] = Value();
            SkipSpace();
            if (Peek() == ',')
            {
                _position++;
            }
            else if (Peek() != '}')
            {
                throw Error($"expected ',' or '}}' at offset {_position}");
            }
        }
    }

    private List<object?> Sequence(char close)
    {
        var items = new List<object?>();
        _position++;
        while (true)
        {
            SkipSpace();
            if (Peek() == close)
            {
                _position++;
                _depth--;
                return items;
            }

            items.Add(Value());
            SkipSpace();
            if (Peek() == ',')
            {
                _position++;
            }
            else if (Peek() != close)
            {
                throw Error($"expected ',' or '{close}' at offset {_position}");
            }
        }
    }

    private void Enter()
    {
        if (++_depth > MaxDepth)
        {
            throw Error($"nested deeper than {MaxDepth} levels at offset {_position} (numpy writes two)");
        }
    }

    private string String()
    {
        char quote = _text[_position++];
        var value = new StringBuilder();
        while (_position < _text.Length && _text[_position] != quote)
        {
            if (_text[_position] == '\\' && _position + 1 < _text.Length)
            {
                _position++;
            }

            value.Append(_text[_position++]);
        }

        Expect(quote);
        return value.ToString();
    }

    private long Integer()
    {
        int start = _position;
        if (Peek() == '-')
        {
            _position++;
        }

        while (_position < _text.Length && char.IsAsciiDigit(_text[_position]))
        {
            _position++;
        }

        // Python 2 era files may write 3L for a long.
        string digits = _text[start.._position];
        if (Peek() == 'L')
        {
            _position++;
        }

        return long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n)
            ? n
            : throw Error($"'{digits}' is not an integer that fits in 64 bits");
    }

    private string Word()
    {
        int start = _position;
        while (_position < _text.Length && char.IsAsciiLetter(_text[_position]))
        {
            _position++;
        }

        return _text[start..Math.Max(start + 1, _position)];
    }

    private void Expect(char c)
    {
        if (Peek() != c)
        {
            throw Error($"expected '{c}' at offset {_position}");
        }

        _position++;
    }

    private char Peek() => _position < _text.Length ? _text[_position] : '\0';

    private void SkipSpace()
    {
        while (_position < _text.Length && char.IsWhiteSpace(_text[_position]))
        {
            _position++;
        }
    }

    private NpyFormatException Error(string what) => new($"{_source}: bad .npy header: {what}");
}
