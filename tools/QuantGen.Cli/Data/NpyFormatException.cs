using System;

namespace QuantGen.Cli.Data;

/// <summary>A .npy or .npz file this reader cannot read; the message names the file (and member) and the reason.</summary>
public sealed class NpyFormatException(string message) : Exception(message);
