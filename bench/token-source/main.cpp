#include "BenchTokenSource.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <cstdio>

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("IMDS stand-in for the peer benchmark; prints its port."));
    parser.addHelpOption();
    const QCommandLineOption tokenFile(QStringLiteral("token-file"), QStringLiteral("File with the token."),
                                       QStringLiteral("path"));
    parser.addOption(tokenFile);
    parser.process(app);
    if (!parser.isSet(tokenFile))
        parser.showHelp(2);

    aap::bench::BenchTokenSource source(parser.value(tokenFile));
    std::printf("%u\n", static_cast<unsigned>(source.serverPort()));
    std::fflush(stdout);
    return QCoreApplication::exec();
}
