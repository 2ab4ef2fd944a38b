using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace QuantGen.Cli;

/// <summary>
/// Ctrl+C (SIGINT) as a cancellation: the first one cancels <see cref="Token"/> and keeps the process alive,
/// so the work stops at its next check, the progress bar is cleared, <c>quantgen: interrupted</c> is printed
/// and the exit code is 130 with nothing written. A second Ctrl+C ends the process at once, as usual.
/// </summary>
internal sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration _registration;

    public Interruption()
    {
        _registration = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            if (!_source.IsCancellationRequested)
            {
                context.Cancel = true;
                _source.Cancel();
            }
        });
    }

    public CancellationToken Token => _source.Token;

    public void Dispose()
    {
        _registration.Dispose();
        _source.Dispose();
    }
}
