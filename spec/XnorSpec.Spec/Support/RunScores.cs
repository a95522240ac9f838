using static TorchSharp.torch;

namespace XnorSpec.Spec.Support;

/// <summary>
/// The specs' short ways to a run: train an experiment on its own data's source, and read the scores
/// its source gave (colours: BB..WW predictions; real images: held-out scores).
/// </summary>
public static class RunScores
{
    /// <summary>Trains a fresh model for <paramref name="experiment"/> on colour pairs, or on <paramref name="source"/> when given.</summary>
    public static TrainingResult Train(Experiment experiment, Device? device = null, IProgress<StepReport>? progress = null,
        CancellationToken cancel = default, PairSource? source = null) =>
        Trainer.Run(experiment, source ?? new ColourSource(), device, progress, cancel);

    extension(TrainingResult run)
    {
        public ColourScores Colours => run.Evaluation as ColourScores
            ?? throw new InvalidOperationException($"Run {run.Experiment.Name} has no colour scores (it was scored by {run.Evaluation?.GetType().Name ?? "nothing"}).");

        /// <summary>BB, BW, WB, WW in eval mode.</summary>
        public IReadOnlyDictionary<string, float> Predictions => run.Colours.Predictions;

        /// <summary>BB, BW, WB, WW as one training-mode batch.</summary>
        public IReadOnlyDictionary<string, float> TrainModePredictions => run.Colours.TrainModePredictions;

        public IReadOnlyList<HeldOutScore> HeldOutAfterEpoch => (run.Evaluation as HeldOutScores)?.AfterEpoch ?? [];

        public HeldOutScore? HeldOut => (run.Evaluation as HeldOutScores)?.Last;

        public IReadOnlyList<HeldOutExample> Examples => (run.Evaluation as HeldOutScores)?.Examples ?? [];
    }
}
