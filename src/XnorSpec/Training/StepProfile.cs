using System.Diagnostics;

namespace XnorSpec.Training;

/// <summary>The parts of a training step that <see cref="StepProfile"/> times.</summary>
public enum StepPhase
{
    /// <summary>Drawing the batch's pairs and turning them into tensors.</summary>
    Data,
    /// <summary>The model's forward pass and the loss.</summary>
    Forward,
    Backward,
    /// <summary>zero_grad and the SGD update.</summary>
    Optimiser,
    /// <summary>Everything else: reading the loss, the step's dispose scope, the divergence check, progress reports.</summary>
    Rest,
}

/// <summary>
/// Where the trainer's steps spend their time: given to <see cref="Trainer.Fit{TPair}"/>, it sums each
/// <see cref="StepPhase"/> over the steps of the epochs from <see cref="FirstEpoch"/> on (the first epochs warm up:
/// tiered compilation, first allocations). Each mark is one Stopwatch timestamp, tens of nanoseconds.
/// </summary>
public sealed class StepProfile(int firstEpoch = 1)
{
    private readonly long[] ticks = new long[Enum.GetValues<StepPhase>().Length];
    private long last;
    private bool counting;

    public int FirstEpoch { get; } = firstEpoch;

    /// <summary>Steps timed.</summary>
    public int Steps { get; private set; }

    /// <summary>Mean milliseconds a step spent in <paramref name="phase"/>; NaN before a step was timed.</summary>
    public double MeanMs(StepPhase phase) => Steps == 0 ? double.NaN : 1000.0 * ticks[(int)phase] / Stopwatch.Frequency / Steps;

    /// <summary>Mean milliseconds of a whole step, every phase together.</summary>
    public double MeanStepMs => Enum.GetValues<StepPhase>().Sum(MeanMs);

    internal void BeginEpoch(int epoch)
    {
        counting = epoch >= FirstEpoch;
        last = Stopwatch.GetTimestamp();
    }

    /// <summary>Counts the time since the last mark as <paramref name="phase"/>.</summary>
    internal void Mark(StepPhase phase)
    {
        long now = Stopwatch.GetTimestamp();
        if (counting) ticks[(int)phase] += now - last;
        last = now;
    }

    internal void EndStep()
    {
        Mark(StepPhase.Rest);
        if (counting) Steps++;
    }
}
