using System;

namespace QuantGen.Cli.Data;

/// <summary>A .npy or .npz file this reader cannot read; the message names the file (and member) and the reason, on one line
/// (control characters from a damaged header are escaped).</summary>
public sealed class NpyFormatException(string message) : Exception(CliText.Printable(message));
