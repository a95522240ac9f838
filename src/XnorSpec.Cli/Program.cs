return XnorSpec.Cli.CommandLine.Run(args);
