namespace QuantGen.Tests.Reliability;

/// <summary>
/// Strings that would change the meaning of generated code if a description's text reached it unescaped:
/// string and comment terminators, line breaks (every kind C# knows), preprocessor directives, Unicode
/// bidirectional and zero-width controls (Trojan Source), lone surrogates, keywords and XML.
/// </summary>
internal static class HostileStrings
{
    public static readonly string[] All =
    [
        "\"",
        "\\",
        "\\\"; System.Environment.Exit(1); //",
        "\"); System.Environment.Exit(1); //",
        "a\nb",
        "a\r\n#error injected",
        "\n#if false\n",
        "#if DEBUG",
        "\n#define INJECTED\n",
        "*/ public static int Injected; /*",
        "/* unterminated",
        "// comment",
        "x\u2028public static int Injected;",
        "x\u2029y",
        "x\u0085y",
        "x\u000Bx\u000Cy",
        "\u202Eevil\u202C",
        "\u2066isolate\u2069",
        "\u200B\u200F\u200E\uFEFF",
        "\ud83d\ude00 emoji",
        "a\u0000b",
        "\u007f\u0080\u009f",
        "class",
        "@namespace",
        "global::System",
        "<summary>&amp;</summary>",
        "]]></summary><inheritdoc cref=\"X\"/>",
        "}",
        "{0}",
        "\\u0022",
        "$\"{System.Environment.Exit(1)}\"",
        "\"\"\"",
        "ñame-with-ünïcode",
        "",
        "   ",
    ];

    /// <summary>Not Unicode at all: a description holding one is rejected (QG0001), so it never reaches code.</summary>
    public static readonly string[] LoneSurrogates = ["\ud800", "\udc00a\ud83d", "x\udfff"];

    /// <summary>Everything above, for the fuzzer.</summary>
    public static readonly string[] WithLoneSurrogates = [.. All, .. LoneSurrogates];
}
