using System.CommandLine;
using XnorSpec.Data;
using XnorSpec.Experiments;
using XnorSpec.Files;
using XnorSpec.Model;
using XnorSpec.Runtime;
using XnorSpec.Sources;
using XnorSpec.Training;

namespace XnorSpec.Cli;

/// <summary>`train`: one experiment, settings from a profile with any of them overridden.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var profile = new Option<string>("--profile") { Description = "Profile in fixtures/profiles whose base settings to start from. Default: seed.", DefaultValueFactory = _ => Profile.Seed };
        var head = Options.Enum("--head", "Fusion head.", FusionKind.Concat);
        var labels = Options.OptionalEnum<LabelRule>("--labels", "Label rule (SameColour, FirstIsBlack, SecondIsBlack, AllZeros on colours; SameCategory, QueryInFirstHalf, AllZeros on real images). Default: SameColour, or SameCategory on real images.");
        var data = Options.DataFolder();
        var batch = Options.OptionalNumber<int>("--batch-size", "Pairs per step.");
        var lr = Options.OptionalNumber<double>("--lr", "SGD learning rate.");
        var momentum = Options.OptionalNumber<double>("--momentum", "SGD momentum, in [0, 1).");
        var epochs = Options.OptionalNumber<int>("--epochs", "Epochs.");
        var pairs = Options.OptionalNumber<int>("--pairs", "Pairs per epoch.");
        var size = Options.OptionalNumber<int>("--image-size", "Image side in pixels.");
        var encoder = Options.OptionalEnum<EncoderKind>("--encoder", "Encoder of both towers (default: the profile's).");
        var seed = Options.OptionalNumber<long>("--seed", "Seed for weights and data.");
        var save = new Option<string?>("--save") { Description = "Save the trained model to this file (for `predict`)." };
        var device = Options.Device();
        var command = new Command("train", """
            Train one experiment and print its loss per epoch, its final loss and its predictions.
            Unset settings come from the profile's base settings. Ctrl-C or SIGTERM stops after the
            current step and prints the losses so far (exit code 1; nothing is saved); a second Ctrl-C
            ends at once. Started with Ctrl-C ignored (nohup, or `&` in a script), it keeps ignoring it,
            as Unix programs do: stop it with SIGTERM (`kill PID`).

            Examples:
              xnor-spec train --head Product --labels SameColour --lr 0.1 --save product.model
              xnor-spec train --profile quick --head Concat --labels FirstIsBlack --seed 3
              xnor-spec train --profile quick --encoder ResNet18 --head Product --lr 0.1
              xnor-spec train --profile fashion-quick --head Product --save fashion-product.model
              xnor-spec train --profile fashion-quick --head AbsDiff --data /usr/share/datasets/fashion-mnist
            """)
        {
            profile, head, labels, batch, lr, momentum, epochs, pairs, size, encoder, seed, save, device, data,
        };
        command.SetAction(parsed =>
        {
            var chosenProfile = Profile.Load(parsed.GetValue(profile)!);
            var settings = Options.WithDataFolder(chosenProfile.Settings, parsed.GetValue(data), $"profile '{chosenProfile.Name}'");
            using var source = PairSources.For(settings, parsed.GetValue(data));
            var experiment = source.Accept(settings with
            {
                Head = parsed.GetValue(head), Labels = parsed.GetValue(labels) ?? source.DefaultLabels,
                BatchSize = parsed.GetValue(batch) ?? settings.BatchSize, LearningRate = parsed.GetValue(lr) ?? settings.LearningRate,
                Momentum = parsed.GetValue(momentum) ?? settings.Momentum, Epochs = parsed.GetValue(epochs) ?? settings.Epochs,
                Pairs = parsed.GetValue(pairs) ?? settings.Pairs, ImageSize = parsed.GetValue(size) ?? settings.ImageSize,
                Encoder = parsed.GetValue(encoder) ?? settings.Encoder, Seed = parsed.GetValue(seed) ?? settings.Seed,
            });
            var savePath = parsed.GetValue(save);
            if (savePath is not null) AtomicFile.EnsureWritableDirectory(Path.GetDirectoryName(Path.GetFullPath(savePath))!);
            var chosen = Devices.Resolve(parsed.GetValue(device));
            source.Prepare(); // files read, and any problem with them refused, before the first step

            Console.WriteLine($"Device: {Devices.Describe(chosen)}");
            Console.WriteLine(source.Describe());
            using var signals = new StopSignals();
            TrainingResult? result = null;
            RunDisplay.Show([experiment], (_, progress) => result = Trainer.Run(experiment, source, chosen, progress, signals.Token));
            using var model = result!.Model;
            Console.WriteLine($"epoch means: {(result.EpochsRun == 0 ? "(no epoch finished)" : string.Join(" ", result.EpochLosses.Select(l => l.ToString("F4"))))}");
            if (!result.Completed)
            {
                // The steps taken are printed; the weights are not saved, since a model file says it was trained with these settings.
                int steps = experiment.Epochs * experiment.StepsPerEpoch;
                var unfinished = result.StepLosses.Skip(result.EpochsRun * experiment.StepsPerEpoch).ToArray();
                if (unfinished.Length > 0)
                    Console.WriteLine($"epoch {result.EpochsRun + 1}, unfinished: step losses {string.Join(" ", unfinished.Select(l => l.ToString("F4")))}");
                Console.Error.WriteLine($"Interrupted after {result.StepLosses.Count} of {steps} steps ({result.EpochsRun} of {experiment.Epochs} epochs finished, "
                    + $"{result.Seconds:F1} s)" + (savePath is null ? "." : $"; the unfinished model was not saved to {savePath}."));
                return ExitCodes.RunFailed;
            }
            Console.WriteLine($"final loss {result.FinalLoss:F6} ({Verdicts.Describe(result)}); {result.Evaluation!.Summary}; {result.Seconds:F1} s");
            if (savePath is not null)
            {
                ModelFile.Save(model!, experiment, savePath);
                Console.WriteLine($"Saved the model to {savePath}.");
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
