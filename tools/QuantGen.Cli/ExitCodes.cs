namespace QuantGen.Cli;

/// <summary>What <c>quantgen</c> returns to the shell. Every failure also prints one line on stderr that starts with <c>quantgen:</c>; docs/cli.md lists them (a test holds it to these constants).</summary>
public static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Success = 0;

    /// <summary>An input is missing, unreadable or does not fit: a file that does not exist, a file that is not a model (an .npz, text, an executable), a corrupt ONNX, npz, description or LSQ steps file, data whose shape does not fit the model, a --layer naming no layer with weights, activations that need calibration data without it.</summary>
    public const int BadInput = 1;

    /// <summary>The command line is wrong in itself: an unknown verb or option, a missing argument, an unknown method, a method for the other side or a bit width it cannot do, an output name quantgen does not write (a description not named *.qgm.json or *.qgm, a chart not named *.svg), bad --layer, --keep-float, --bits or --methods syntax, an output that would overwrite an input.</summary>
    public const int Usage = 2;

    /// <summary>The output could not be written (nothing was left behind).</summary>
    public const int OutputFailed = 3;

    /// <summary>A bug in quantgen: please report the line it printed.</summary>
    public const int InternalError = 4;

    /// <summary>Interrupted (Ctrl+C, see <see cref="Interruption"/>); nothing was written.</summary>
    public const int Cancelled = 130;
}
