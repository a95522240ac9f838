using XnorSpec.Experiments;
using XnorSpec.Model;

namespace XnorSpec.Training;

/// <summary>A trained model's score on pairs it never trained on, in eval mode: balanced MSE and accuracy at 0.5.</summary>
public sealed record HeldOutScore(int Pairs, double Mse, double Accuracy);

/// <summary>One held-out pair (indices into the test split), its label and the trained model's eval-mode output.</summary>
public sealed record HeldOutExample(int Query, int Template, int QueryCategory, int TemplateCategory, float Label, float Output);

/// <summary>What a run measured. <see cref="FinalLoss"/> is the mean step loss of the last epoch.</summary>
public sealed record TrainingResult(
    Experiment Experiment,
    IReadOnlyList<float> StepLosses,
    int StepsPerEpoch,
    IReadOnlyDictionary<string, float> Predictions,
    double Seconds,
    bool Completed)
{
    /// <summary>The trained model; not serialised.</summary>
    public PairModel? Model { get; init; }

    /// <summary>Live TorchSharp tensors on the training thread after each finished epoch.</summary>
    public IReadOnlyList<long> LiveTensorsAfterEpoch { get; init; } = Array.Empty<long>();

    /// <summary>The process's resident memory (RSS, from /proc on Linux) after each finished epoch, in bytes.</summary>
    public IReadOnlyList<long> ResidentBytesAfterEpoch { get; init; } = Array.Empty<long>();

    /// <summary>BB, BW, WB, WW as one training-mode batch (BatchNorm on batch statistics, as in training).</summary>
    public IReadOnlyDictionary<string, float> TrainModePredictions { get; init; } = new Dictionary<string, float>();

    /// <summary>Real-image runs: the score on the fixed held-out pairs after each finished epoch (empty for colour runs).</summary>
    public IReadOnlyList<HeldOutScore> HeldOutAfterEpoch { get; init; } = Array.Empty<HeldOutScore>();

    /// <summary>The score after the last finished epoch, or null (colour runs, or none finished).</summary>
    public HeldOutScore? HeldOut => HeldOutAfterEpoch.Count > 0 ? HeldOutAfterEpoch[^1] : null;

    /// <summary>Real-image runs: a few held-out pairs with the trained model's outputs, for pictures (pairs.png).</summary>
    public IReadOnlyList<HeldOutExample> Examples { get; init; } = Array.Empty<HeldOutExample>();

    public int EpochsRun => StepLosses.Count / StepsPerEpoch;

    /// <summary>Mean step loss of each finished epoch.</summary>
    public IReadOnlyList<double> EpochLosses =>
        Enumerable.Range(0, EpochsRun).Select(e => StepLosses.Skip(e * StepsPerEpoch).Take(StepsPerEpoch).Average(x => (double)x)).ToArray();

    /// <summary>The loss of each epoch's last step: the number the question printed.</summary>
    public IReadOnlyList<float> LastStepLosses =>
        Enumerable.Range(0, EpochsRun).Select(e => StepLosses[(e + 1) * StepsPerEpoch - 1]).ToArray();

    public double FinalLoss => EpochLosses.Count > 0 ? EpochLosses[^1] : double.NaN;

    public double InitialLoss => EpochLosses.Count > 0 ? EpochLosses[0] : double.NaN;
}
