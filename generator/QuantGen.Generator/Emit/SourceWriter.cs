using System.Text;

namespace QuantGen.Generator.Emit;

/// <summary>Writes C# with indentation and "\n" line ends, so output is the same on every OS.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _builder = new StringBuilder();
    private int _indent;

    public void Line(string text = "")
    {
        if (text.Length > 0)
        {
            _builder.Append(' ', _indent * 4);
            _builder.Append(text);
        }

        _builder.Append('\n');
    }

    public void Open(string header)
    {
        Line(header);
        Line("{");
        _indent++;
    }

    public void Close(string suffix = "")
    {
        _indent--;
        Line("}" + suffix);
    }

    /// <summary>One level deeper, for brackets that Open and Close do not write (initializers, collection expressions).</summary>
    public void Indent() => _indent++;

    public void Dedent() => _indent--;

    public override string ToString() => _builder.ToString();
}
