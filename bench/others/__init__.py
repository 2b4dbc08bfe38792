"""Run the classic Linux SMS daemons against Siaran's emulated modem, for comparison.

* :mod:`bench.others.gammu` -- ``gammu-smsd`` (Debian packages ``gammu``, ``gammu-smsd``),
  FILES backend;
* :mod:`bench.others.smstools` -- ``smsd`` from smstools3 (Debian package ``smstools``);
* :mod:`bench.others._common` -- the blast (recipients, text), the emulator log
  reader, process handling and the result record both return.

Each ``run(port, workdir, n, ...)`` writes a config tuned for throughput into
``workdir``, queues ``n`` single-part GSM-7 messages the way the daemon expects,
starts the daemon in the foreground as a child process, waits until the emulator
log shows the ``n`` parts (or a timeout), stops the daemon with SIGTERM and
returns one result dict.  ``bench/compare_daemons.py`` runs both.
"""
