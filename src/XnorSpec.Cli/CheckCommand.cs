using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using XnorSpec.Files;
using XnorSpec.Runtime;
using XnorSpec.Sources;
using XnorSpec.Training;

namespace XnorSpec.Cli;

/// <summary>
/// `check`: can this comparison model tell same from different (its score on its own data), could any weights make it
/// (its interaction share and the structural test), and, with --train, does it learn to (a trained copy's score).
/// </summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "An XnorSpec model file, a PyTorch state_dict of the question's TemplateEvaluator (with --head), or a TorchScript module of any two-tower or siamese model.", Required = true };
        var reading = Options.PyTorchReading();
        var script = Options.TorchScriptReading();
        var data = Options.DataFolder();
        var draws = new Option<int>("--draws") { Description = "Weight draws of the structural test.", DefaultValueFactory = _ => ArchitectureCheck.DefaultDraws };
        var train = new Option<bool>("--train") { Description = "Also fine-tune a copy of the model (never the file) on the data's pairs and judge the copy; the exit code then follows the copy." };
        var epochs = new Option<int>("--epochs") { Description = "With --train: epochs.", DefaultValueFactory = _ => 6 };
        var pairs = new Option<int>("--pairs") { Description = "With --train: fresh pairs per epoch, half same and half different.", DefaultValueFactory = _ => 1000 };
        var lr = new Option<double>("--lr") { Description = "With --train: SGD learning rate.", DefaultValueFactory = _ => 0.05 };
        var momentum = new Option<double>("--momentum") { Description = "With --train: SGD momentum.", DefaultValueFactory = _ => 0.9 };
        var batch = new Option<int>("--batch-size") { Description = "With --train: pairs per step.", DefaultValueFactory = _ => 32 };
        var seed = new Option<long>("--seed") { Description = "With --train: the seed of the training and held-out pairs.", DefaultValueFactory = _ => 1 };
        var output = new Option<string?>("--out") { Description = "Also write the report to this JSON file." };
        var device = Options.Device();
        var command = new Command("check", """
            Check whether a two-tower comparison model can tell same from different on the data it was made for
            (recorded in an XnorSpec model file; --trained-on for a PyTorch file, default Colours):
            - its score there. Colours: the balanced XNOR loss of BB, BW, WB, WW; it tells same from different
              at eval-mode loss <= 0.15. Fashion-MNIST: MSE and accuracy on held-out test-split category pairs;
              it does at MSE < 0.235, below the separable bound of 0.25;
            - its interaction share H²: the fraction of its logit's variation over a grid of query x template
              images that depends on the two together (0 for a logit that adds up, f(q) + g(t));
            - the structural test: H² after redrawing its weights (--draws, seeded): at float noise for every
              draw, the architecture is separable and no training can teach it to compare;
            - with --train, a copy fine-tuned with SGD and MSE on fresh pairs of that data, judged the same way.
            Exit code 0: it tells same from different (with --train: the trained copy does); 1: it cannot, and
            the verdict says whether the architecture or the weights are to blame; 2: bad input.

            Examples:
              xnor-spec check --model results/seed/models/product-samecolour.model
              xnor-spec check --model my_template_evaluator.pt --head Concat --out check.json
              xnor-spec check --model scripted.pt --train
              xnor-spec check --model fashion_siamese.pt --output Logit --channels 1 --trained-on FashionMnistSubset --train
            """)
        { model, data, draws, train, epochs, pairs, lr, momentum, batch, seed, output, device };
        foreach (var option in reading.All.Concat(script.All)) command.Options.Add(option);
        command.SetAction(parsed =>
        {
            var path = parsed.GetValue(model)!;
            var jsonPath = parsed.GetValue(output);
            if (jsonPath is not null) AtomicFile.EnsureWritableDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonPath))!);
            if (parsed.GetValue(draws) < 1) throw new ArgumentException($"--draws {parsed.GetValue(draws)} is invalid; the structural test needs at least one draw.");
            var chosen = Devices.Resolve(parsed.GetValue(device));
            var (comparison, experiment, format) = AnyModelFile.LoadComparison(path, reading.Read(parsed), script.Read(parsed), chosen);
            using var _ = comparison;
            using var source = Options.SourceOfModel(experiment, parsed.GetValue(data));
            source.Accept(experiment);
            Experiment? settings = null;
            if (parsed.GetValue(train))
                settings = (experiment with
                {
                    Epochs = parsed.GetValue(epochs), Pairs = parsed.GetValue(pairs), LearningRate = parsed.GetValue(lr),
                    Momentum = parsed.GetValue(momentum), BatchSize = parsed.GetValue(batch), Seed = parsed.GetValue(seed),
                }).Validated();

            var architecture = ArchitectureCheck.Run(comparison, source, experiment.ImageSize, chosen, parsed.GetValue(draws));
            var check = ModelCheck.Run(comparison, experiment, source, chosen, architecture);
            Trainability? trained = null;
            if (settings is not null)
            {
                using var signals = new StopSignals();
                RunDisplay.Show([settings], (_, progress) => trained = Trainability.Of(comparison, settings, source, chosen, progress, signals.Token));
            }

            string F(double x) => x.ToString("F4", CultureInfo.InvariantCulture);
            string G(double x) => x.ToString("G3", CultureInfo.InvariantCulture);
            var contrast = check.Contrast;
            var described = format switch
            {
                ModelFormat.TorchScript => "TorchScript module",
                ModelFormat.PyTorch => $"PyTorch state_dict, {check.Head} head, {check.Encoder} encoders",
                _ => $"XnorSpec model file, {check.Head} head, {check.Encoder} encoders",
            };
            Console.WriteLine($"model: {path} ({described}), made for {check.Data} pairs at {check.ImageSize}x{check.ImageSize}");
            if (contrast.Logits.Count <= 4)
                Console.WriteLine($"logits, eval mode:              {string.Join("  ", contrast.Logits.Select(z => $"{z.Key} {F(z.Value)}"))}");
            Console.WriteLine($"interaction contrast, eval:     {contrast.Probe}: "
                + (contrast.Squares == 1 ? F(contrast.Mean) : $"mean {F(contrast.Mean)}, largest |contrast| {F(contrast.LargestMagnitude)}") + $" (largest |z| {F(contrast.LargestLogit)})");
            var conclusive = architecture.DrawResults.Where(d => d.Conclusive).ToArray();
            Console.WriteLine($"interaction share H², eval:     {G(architecture.ShareAtGivenWeights)} over {architecture.Grid}");
            Console.WriteLine($"structural test:                {architecture.Draws} weight draws (noise {G(architecture.NoiseScale)} x each tensor's RMS, seed {architecture.Seed}): "
                + (conclusive.Length > 0 ? $"H² {G(conclusive.Min(d => d.Share))} to {G(conclusive.Max(d => d.Share))}" : "none conclusive")
                + (conclusive.Length < architecture.Draws ? $", {architecture.Draws - conclusive.Length} set aside" : "") + $"; separable at H² <= {G(architecture.Threshold)}");
            Console.WriteLine($"  {architecture.Verdict}");
            foreach (var line in check.Judgement.Lines) Console.WriteLine(line);
            Console.WriteLine($"criterion: {check.Criterion}");
            Console.WriteLine($"verdict: {check.Verdict}");
            if (trained is not null)
            {
                var s = trained.Settings;
                Console.WriteLine($"trained copy: {s.Epochs} epochs of {s.Pairs} fresh pairs, SGD(lr {s.LearningRate.ToString(CultureInfo.InvariantCulture)}, momentum {s.Momentum.ToString(CultureInfo.InvariantCulture)}), "
                    + $"batch {s.BatchSize}, MSE, seed {s.Seed}: epoch losses {string.Join(" ", trained.EpochLosses.Select(F))} ({trained.Seconds:F0} s{(trained.Completed ? "" : ", stopped early")})");
                foreach (var line in trained.Judgement.Lines) Console.WriteLine("  " + line.TrimStart());
                Console.WriteLine($"  after training: {(trained.Learned ? "it learned to tell same from different" : "it did not learn to tell same from different")} {trained.Judgement.Outcome}");
            }
            if (jsonPath is not null)
            {
                AtomicFile.WriteAllText(jsonPath, JsonSerializer.Serialize(new { model = path, format, check, trained }, Json.Options) + "\n");
                Console.WriteLine($"Wrote {jsonPath}.");
            }
            bool compares = trained?.Learned ?? check.TellsSameFromDifferent;
            return compares ? ExitCodes.Success : ExitCodes.RunFailed;
        });
        return command;
    }
}
