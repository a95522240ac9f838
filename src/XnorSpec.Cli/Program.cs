using System.CommandLine;
using XnorSpec.Cli;

var root = new RootCommand("XnorSpec: why a concat-linear head cannot learn 'same colour', reproduced with real ResNet18 training.");
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(StudyCommand.Create());
root.Subcommands.Add(StudyCommand.CreateSummary());

try
{
    return root.Parse(args).Invoke();
}
catch (XnorSpec.Runtime.NativeBackendException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
