using System.Runtime.InteropServices;

namespace XnorSpec.Cli;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM ask the trainer to stop after its current step, so the steps already
/// taken are reported and kept; a second signal gets the default behaviour and ends the process at once.
/// </summary>
internal sealed class StopSignals : IDisposable
{
    // Never disposed: a handler already running on its signal thread when Dispose unregisters may still
    // cancel it, and a token source without timers or linked tokens holds nothing to free.
    private readonly CancellationTokenSource stop = new();
    private readonly PosixSignalRegistration[] registrations;
    private int signalled;

    public StopSignals()
    {
        registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle)];
    }

    public CancellationToken Token => stop.Token;

    public bool Received => Volatile.Read(ref signalled) != 0;

    private void Handle(PosixSignalContext context)
    {
        if (Interlocked.Exchange(ref signalled, 1) != 0) return; // the second signal: not cancelled, so the process ends
        context.Cancel = true;
        Console.Error.WriteLine($"{context.Signal}: stopping after the current step...");
        stop.Cancel();
    }

    public void Dispose()
    {
        foreach (var registration in registrations) registration.Dispose();
    }
}
