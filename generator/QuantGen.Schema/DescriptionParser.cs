using System;
using System.Collections.Generic;
using System.Threading;
using Google.Protobuf;

namespace QuantGen.Schema;

/// <summary>The result of reading a description's text: the model, or the errors that stopped it.</summary>
public sealed class ParsedDescription
{
    internal ParsedDescription(Model? model, JsonLocator? locator, IReadOnlyList<DescriptionError> errors)
    {
        Model = model;
        Locator = locator;
        Errors = errors;
    }

    public Model? Model { get; }
    public JsonLocator? Locator { get; }
    public IReadOnlyList<DescriptionError> Errors { get; }
}

/// <summary>
/// Step one of a description's journey: text -> <see cref="Model"/>. The JSON syntax is checked by
/// <see cref="JsonLocator"/> (which keeps positions), the schema by Google.Protobuf's JSON parser
/// (protobuf JSON mapping: unknown fields are errors, bytes are base64).
/// </summary>
public static class DescriptionParser
{
    private static readonly JsonParser Parser = new JsonParser(JsonParser.Settings.Default.WithIgnoreUnknownFields(false).WithRecursionLimit(JsonLocator.MaxDepth));

    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> is cancelled.</exception>
    public static ParsedDescription Parse(string text, CancellationToken cancellationToken = default)
    {
        JsonLocator? locator = JsonLocator.TryScan(text, out DescriptionError? syntaxError, cancellationToken);
        if (locator is null || syntaxError is not null)
        {
            return new ParsedDescription(null, locator, new[] { syntaxError! });
        }

        cancellationToken.ThrowIfCancellationRequested();

        try
        {
            return new ParsedDescription(Parser.Parse<Model>(text), locator, Array.Empty<DescriptionError>());
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException or FormatException or OverflowException or ArgumentException or InvalidOperationException)
        {
            // Google.Protobuf names the field or type in its message but gives no position: point at the
            // first key the message mentions.
            // The message may quote a whole value from the file (megabytes, for a damaged weight string): keep its start.
            string message = e.Message.Length <= MaxMessageLength ? e.Message : e.Message.Substring(0, MaxMessageLength) + "...";
            TextPosition position = FindMentionedKey(locator, message) ?? locator.Start;
            var error = new DescriptionError(DescriptionErrorCode.SchemaMismatch, "the model file does not match schema quantgen.v1: " + message, "", position);
            return new ParsedDescription(null, locator, new[] { error });
        }
    }

    private const int MaxMessageLength = 300;

    private static TextPosition? FindMentionedKey(JsonLocator locator, string message)
    {
        int i = 0;
        while (i < message.Length)
        {
            if (!IsWordChar(message[i]))
            {
                i++;
                continue;
            }

            int start = i;
            while (i < message.Length && IsWordChar(message[i]))
            {
                i++;
            }

            string word = message.Substring(start, i - start);
            if (word.Length > 1 && locator.FindKey(word) is TextPosition position)
            {
                return position;
            }
        }

        return null;
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';
}
