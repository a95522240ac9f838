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
    double Seconds,
    bool Completed)
{
    /// <summary>The trained model when it is XnorSpec's own (what a model file saves); not serialised. A trained copy of another comparison model stays with its caller.</summary>
    public PairModel? Model { get; init; }

    /// <summary>Live TorchSharp tensors on the training thread after each finished epoch.</summary>
    public IReadOnlyList<long> LiveTensorsAfterEpoch { get; init; } = Array.Empty<long>();

    /// <summary>The process's resident memory (RSS, from /proc on Linux) after each finished epoch, in bytes.</summary>
    public IReadOnlyList<long> ResidentBytesAfterEpoch { get; init; } = Array.Empty<long>();

    /// <summary>How the pair source scored the trained model (eval mode); null until it has.</summary>
    public Evaluation? Evaluation { get; init; }

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
